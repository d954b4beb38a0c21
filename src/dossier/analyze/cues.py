"""Words that introduce reported speech, in English and Spanish (our own lists).

The quotation extractor (`quotes.py`) needs to know more than "is this a speech verb":
which verbs take a bare clause ("she said the talks failed"), which take a listener
before it ("he told reporters ..."), which report an intention ("they vowed to ..."),
and which nouns and phrases before a name are roles ("security analyst David Saucedo")
rather than the end of another phrase. Each list below answers one of those questions.
Verbs are given in every inflection news prose uses, so a lookup never needs a stemmer.
"""

from __future__ import annotations

# base: (3rd person, past, -ing[, past participle when it differs from the past])
_EN = {
    # saying and telling
    "say": ("says", "said", "saying"), "tell": ("tells", "told", "telling"), "add": ("adds", "added", "adding"),
    "state": ("states", "stated", "stating"), "declare": ("declares", "declared", "declaring"),
    "write": ("writes", "wrote", "writing", "written"), "tweet": ("tweets", "tweeted", "tweeting"),
    "post": ("posts", "posted", "posting"), "explain": ("explains", "explained", "explaining"),
    "note": ("notes", "noted", "noting"), "remark": ("remarks", "remarked", "remarking"),
    "comment": ("comments", "commented", "commenting"), "mention": ("mentions", "mentioned", "mentioning"),
    "answer": ("answers", "answered", "answering"), "reply": ("replies", "replied", "replying"),
    "respond": ("responds", "responded", "responding"), "retort": ("retorts", "retorted", "retorting"),
    "counter": ("counters", "countered", "countering"), "repeat": ("repeats", "repeated", "repeating"),
    "reiterate": ("reiterates", "reiterated", "reiterating"), "continue": ("continues", "continued", "continuing"),
    "announce": ("announces", "announced", "announcing"), "report": ("reports", "reported", "reporting"),
    "testify": ("testifies", "testified", "testifying"), "recount": ("recounts", "recounted", "recounting"),
    "recall": ("recalls", "recalled", "recalling"), "describe": ("describes", "described", "describing"),
    "ask": ("asks", "asked", "asking"),
    "point out": ("points out", "pointed out", "pointing out"), "shout": ("shouts", "shouted", "shouting"),
    "exclaim": ("exclaims", "exclaimed", "exclaiming"), "joke": ("jokes", "joked", "joking"),
    "quip": ("quips", "quipped", "quipping"), "boast": ("boasts", "boasted", "boasting"),
    "brag": ("brags", "bragged", "bragging"), "complain": ("complains", "complained", "complaining"),
    "lament": ("laments", "lamented", "lamenting"), "concede": ("concedes", "conceded", "conceding"),
    "admit": ("admits", "admitted", "admitting"), "acknowledge": ("acknowledges", "acknowledged", "acknowledging"),
    "confirm": ("confirms", "confirmed", "confirming"), "deny": ("denies", "denied", "denying"),
    "reveal": ("reveals", "revealed", "revealing"), "disclose": ("discloses", "disclosed", "disclosing"),
    "confide": ("confides", "confided", "confiding"), "observe": ("observes", "observed", "observing"),
    # arguing and claiming
    "argue": ("argues", "argued", "arguing"), "claim": ("claims", "claimed", "claiming"),
    "assert": ("asserts", "asserted", "asserting"), "contend": ("contends", "contended", "contending"),
    "insist": ("insists", "insisted", "insisting"), "maintain": ("maintains", "maintained", "maintaining"),
    "allege": ("alleges", "alleged", "alleging"), "charge": ("charges", "charged", "charging"),
    "suggest": ("suggests", "suggested", "suggesting"), "stress": ("stresses", "stressed", "stressing"),
    "emphasize": ("emphasizes", "emphasized", "emphasizing"), "emphasise": ("emphasises", "emphasised", "emphasising"),
    "underscore": ("underscores", "underscored", "underscoring"), "affirm": ("affirms", "affirmed", "affirming"),
    "proclaim": ("proclaims", "proclaimed", "proclaiming"), "conclude": ("concludes", "concluded", "concluding"),
    "agree": ("agrees", "agreed", "agreeing"), "predict": ("predicts", "predicted", "predicting"),
    "estimate": ("estimates", "estimated", "estimating"), "indicate": ("indicates", "indicated", "indicating"),
    "warn": ("warns", "warned", "warning"), "caution": ("cautions", "cautioned", "cautioning"),
    "assure": ("assures", "assured", "assuring"), "promise": ("promises", "promised", "promising"),
    "vow": ("vows", "vowed", "vowing"), "pledge": ("pledges", "pledged", "pledging"),
    "threaten": ("threatens", "threatened", "threatening"), "urge": ("urges", "urged", "urging"),
    "demand": ("demands", "demanded", "demanding"), "accuse": ("accuses", "accused", "accusing"),
    "signal": ("signals", "signaled", "signaling"), "believe": ("believes", "believed", "believing"),
    "think": ("thinks", "thought", "thinking"),
}
# Beliefs, feelings and intentions: PolNeAR counts them as attributions ("Lowell thinks
# that ...", "they plan to ..."), but they are not speech, so they stay out of EN_VERBS
# (which other steps use to find who is speaking).
_EN_ATTITUDE = {
    "feel": ("feels", "felt", "feeling"), "fear": ("fears", "feared", "fearing"),
    "worry": ("worries", "worried", "worrying"), "hope": ("hopes", "hoped", "hoping"),
    "know": ("knows", "knew", "knowing", "known"), "expect": ("expects", "expected", "expecting"),
    "want": ("wants", "wanted", "wanting"), "plan": ("plans", "planned", "planning"),
    "intend": ("intends", "intended", "intending"), "refuse": ("refuses", "refused", "refusing"),
    "decline": ("declines", "declined", "declining"), "wonder": ("wonders", "wondered", "wondering"),
}


def _inflections(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {form: base for base, forms in table.items() for form in (base, *forms)}


EN_VERBS: frozenset[str] = frozenset(_inflections(_EN))  # speech verbs in every inflection
EN_ATTITUDE_VERBS: frozenset[str] = frozenset(_inflections(_EN_ATTITUDE))
EN_VERB_BASE: dict[str, str] = _inflections(_EN) | _inflections(_EN_ATTITUDE)  # form -> base

# Verbs whose reported clause may follow without "that" ("she said the talks failed").
# The others need "that" (or a quotation) before we take what follows as their content.
BARE_CLAUSE_BASES: frozenset[str] = frozenset(
    "say tell add write tweet post explain note answer reply respond continue announce report testify "
    "recall argue claim assert contend insist maintain allege suggest stress emphasize emphasise "
    "underscore affirm conclude agree predict estimate warn caution assure promise vow pledge acknowledge admit "
    "concede confirm deny reveal believe think feel fear worry hope know point out complain boast joke "
    "observe indicate reiterate repeat declare state remark comment lament disclose confide".split())

# Verbs that may name a listener between the verb and the clause ("told reporters that ...").
LISTENER_BASES: frozenset[str] = frozenset("tell assure warn remind promise ask urge inform advise".split())

# Verbs whose content may be an infinitive ("vowed to keep talking", "urged Congress to act").
INFINITIVE_BASES: frozenset[str] = frozenset(
    "promise vow pledge threaten urge want plan intend refuse decline hope demand expect ask agree".split())

# Verbs that report a question ("asked whether ...").
QUESTION_BASES: frozenset[str] = frozenset("ask wonder".split())

# Nouns that carry a statement ("in a statement", "in remarks to reporters").
CUE_NOUNS: frozenset[str] = frozenset(
    "statement statements remarks comments interview speech press conference post tweet letter email".split())

# Prepositional cues: the source follows them.
ACCORDING_EN: tuple[str, ...] = ("according to", "in the words of")
ACCORDING_ES: tuple[str, ...] = ("según", "de acuerdo con", "conforme a")

# Spanish: (infinitive, irregular forms or None). Regular verbs get their forms generated.
_ES_IRREGULAR = {
    "decir": "dijo dice dijeron dicen decía decían diciendo dicho",
    "sostener": "sostuvo sostiene sostuvieron sostienen sostenía sosteniendo sostenido",
    "advertir": "advirtió advierte advirtieron advierten advertía advirtiendo advertido",
    "reconocer": "reconoció reconoce reconocieron reconocen reconocía reconociendo reconocido",
    "negar": "negó niega negaron niegan negaba negando negado",
    "recordar": "recordó recuerda recordaron recuerdan recordaba recordando recordado",
    "escribir": "escribió escribe escribieron escriben escribía escribiendo escrito",
    "exponer": "expuso expone expusieron exponen exponía exponiendo expuesto",
    "mantener": "mantuvo mantiene mantuvieron mantienen mantenía manteniendo mantenido",
    "prometer": "prometió promete prometieron prometen prometía prometiendo prometido",
    "responder": "respondió responde respondieron responden respondía respondiendo respondido",
    "sugerir": "sugirió sugiere sugirieron sugieren sugería sugiriendo sugerido",
    "pedir": "pidió pide pidieron piden pedía pidiendo pedido",
    "creer": "creyó cree creyeron creen creía creyendo creído",
}
_ES_REGULAR = (
    "afirmar señalar asegurar declarar explicar añadir agregar insistir indicar expresar manifestar reiterar "
    "subrayar destacar apuntar comentar preguntar publicar denunciar admitir anunciar informar precisar "
    "puntualizar enfatizar considerar opinar aseverar externar aclarar alertar confirmar detallar lamentar "
    "relatar replicar revelar resaltar"
).split()


def _es_forms(infinitive: str) -> list[str]:
    """Third-person forms, imperfect, gerund and participle (last) of a regular Spanish verb."""
    stem, ending = infinitive[:-2], infinitive[-2:]
    if ending == "ar":
        return [stem + s for s in ("ó", "a", "aron", "an", "aba", "aban", "ando", "ado")]
    return [stem + s for s in ("ió", "e", "ieron", "en", "ía", "ían", "iendo", "ido")]


_ES_ALL = [forms.split() for forms in _ES_IRREGULAR.values()] + [_es_forms(verb) for verb in _ES_REGULAR]
# Finite forms and gerunds cue on their own; a participle ("dicho", "afirmado") only after
# "ha", "han", "había" (as an adjective it reports nothing).
ES_VERBS: frozenset[str] = frozenset(f for forms in _ES_ALL for f in forms[:-1])
ES_PARTICIPLES: frozenset[str] = frozenset(forms[-1] for forms in _ES_ALL)

# Auxiliaries, negation and adverbs that belong to the verb group of a cue ("has
# repeatedly said", "did not say", "ha dicho"): PolNeAR marks them as part of the cue.
CUE_AUXILIARIES: frozenset[str] = frozenset(
    "has have had is are was were be been being do does did will would could can may might must should shall "
    "not never also just then later again still once often now recently repeatedly previously publicly privately "
    "already even only further initially first finally ultimately flatly quickly simply actually clearly openly "
    "reportedly since long frequently earlier subsequently sometimes always usually often ever twice again "
    "ha han había habían habría habrían también no ya".split())

# Words before a name that make it a role phrase ("security analyst David Saucedo", "la
# presidenta Claudia Sheinbaum"), and group nouns that speak ("officials said").
ROLE_NOUNS: frozenset[str] = frozenset("""
president vice-president senator sen rep representative congressman congresswoman governor gov mayor minister
secretary ambassador spokesman spokeswoman spokesperson analyst expert economist professor researcher director
chairman chairwoman chair chief head leader manager strategist adviser advisor aide consultant pollster official
attorney lawyer judge prosecutor general commander officer sheriff candidate nominee nominees candidates hopeful
founder ceo executive owner president-elect lawmaker legislator delegate activist organizer commentator host
anchor columnist reporter correspondent editor writer author historian scientist doctor dr pastor bishop pope
king queen prince premier chancellor diplomat envoy negotiator mediator representative member members chairs
officials aides advisers advisors experts analysts economists lawmakers legislators leaders voters supporters
critics opponents residents people sources investigators authorities prosecutors officers diplomats activists
observers scholars staff staffers employees workers people republicans democrats insiders allies
cousin brother sister father mother son daughter wife husband relative relatives friend friends neighbor neighbour
witness witnesses resident survivor victim owner partner colleague
campaign administration government ministry department agency office team committee spokesperson
presidente presidenta mandatario mandataria canciller secretario secretaria ministro ministra vocero vocera
portavoz analista experto experta gobernador gobernadora alcalde alcaldesa senador senadora diputado diputada
embajador embajadora director directora jefe jefa líder dirigente funcionario funcionaria fiscal juez jueza
especialista investigador investigadora académico académica
""".split())

# Adjectives that may stand between a determiner and a name ("former President ...").
NAME_MODIFIERS: frozenset[str] = frozenset(
    "former then late fellow longtime veteran top senior chief deputy acting outgoing incoming current "
    "retired elected unnamed anonymous new old first second third ex".split())

# Outlet names and the words that mark one, for "as quoted by ..." and "told the Times".
OUTLET_WORDS: frozenset[str] = frozenset(
    "press news times post journal herald tribune gazette daily wire agency reuters ap afp efe bloomberg cnn "
    "bbc npr msnbc politico axios telemundo univision milenio reforma proceso jornada universal financiero "
    "guardian observer telegraph magazine radio television tv network channel newspaper sun star globe mail "
    "review inquirer examiner chronicle bulletin".split())


def alternation(words: frozenset[str] | set[str]) -> str:
    """A regex alternation, longest first, with spaces matching any whitespace."""
    return "|".join(w.replace(" ", r"\s+") for w in sorted(words, key=lambda w: (-len(w), w)))
