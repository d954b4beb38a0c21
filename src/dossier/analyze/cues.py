"""Words that introduce reported speech, in English and Spanish (our own lists).

Verbs are listed in the inflected forms news prose uses; `CUE_VERBS` is one regex
alternation over all of them, longest first so "told reporters" style particles are not
needed: the cue is the verb itself, as PolNeAR marks it.
"""

from __future__ import annotations

_EN_VERB_STEMS = {
    # base: (3rd person, past, progressive)
    "say": ("says", "said", "saying"),
    "tell": ("tells", "told", "telling"),
    "add": ("adds", "added", "adding"),
    "warn": ("warns", "warned", "warning"),
    "argue": ("argues", "argued", "arguing"),
    "insist": ("insists", "insisted", "insisting"),
    "note": ("notes", "noted", "noting"),
    "state": ("states", "stated", "stating"),
    "declare": ("declares", "declared", "declaring"),
    "explain": ("explains", "explained", "explaining"),
    "write": ("writes", "wrote", "writing"),
    "tweet": ("tweets", "tweeted", "tweeting"),
    "post": ("posts", "posted", "posting"),
    "claim": ("claims", "claimed", "claiming"),
    "assert": ("asserts", "asserted", "asserting"),
    "announce": ("announces", "announced", "announcing"),
    "acknowledge": ("acknowledges", "acknowledged", "acknowledging"),
    "admit": ("admits", "admitted", "admitting"),
    "ask": ("asks", "asked", "asking"),
    "reply": ("replies", "replied", "replying"),
    "respond": ("responds", "responded", "responding"),
    "suggest": ("suggests", "suggested", "suggesting"),
    "stress": ("stresses", "stressed", "stressing"),
    "emphasize": ("emphasizes", "emphasized", "emphasizing"),
    "reiterate": ("reiterates", "reiterated", "reiterating"),
    "maintain": ("maintains", "maintained", "maintaining"),
    "contend": ("contends", "contended", "contending"),
    "predict": ("predicts", "predicted", "predicting"),
    "promise": ("promises", "promised", "promising"),
    "vow": ("vows", "vowed", "vowing"),
    "pledge": ("pledges", "pledged", "pledging"),
    "confirm": ("confirms", "confirmed", "confirming"),
    "deny": ("denies", "denied", "denying"),
    "report": ("reports", "reported", "reporting"),
    "recall": ("recalls", "recalled", "recalling"),
    "observe": ("observes", "observed", "observing"),
    "remark": ("remarks", "remarked", "remarking"),
    "comment": ("comments", "commented", "commenting"),
    "complain": ("complains", "complained", "complaining"),
    "concede": ("concedes", "conceded", "conceding"),
    "caution": ("cautions", "cautioned", "cautioning"),
    "urge": ("urges", "urged", "urging"),
    "believe": ("believes", "believed", "believing"),
    "think": ("thinks", "thought", "thinking"),
    "estimate": ("estimates", "estimated", "estimating"),
    "indicate": ("indicates", "indicated", "indicating"),
    "point out": ("points out", "pointed out", "pointing out"),
    "continue": ("continues", "continued", "continuing"),
    "allege": ("alleges", "alleged", "alleging"),
    "charge": ("charges", "charged", "charging"),
    "boast": ("boasts", "boasted", "boasting"),
    "joke": ("jokes", "joked", "joking"),
    "quip": ("quips", "quipped", "quipping"),
    "shout": ("shouts", "shouted", "shouting"),
    "testify": ("testifies", "testified", "testifying"),
    "agree": ("agrees", "agreed", "agreeing"),
    "conclude": ("concludes", "concluded", "concluding"),
    "mention": ("mentions", "mentioned", "mentioning"),
    "reveal": ("reveals", "revealed", "revealing"),
    "disclose": ("discloses", "disclosed", "disclosing"),
    "proclaim": ("proclaims", "proclaimed", "proclaiming"),
    "affirm": ("affirms", "affirmed", "affirming"),
    "retort": ("retorts", "retorted", "retorting"),
    "counter": ("counters", "countered", "countering"),
    "lament": ("laments", "lamented", "lamenting"),
    "repeat": ("repeats", "repeated", "repeating"),
    "exclaim": ("exclaims", "exclaimed", "exclaiming"),
    "answer": ("answers", "answered", "answering"),
    "assure": ("assures", "assured", "assuring"),
    "underscore": ("underscores", "underscored", "underscoring"),
    "emphasise": ("emphasises", "emphasised", "emphasising"),
    "demand": ("demands", "demanded", "demanding"),
    "threaten": ("threatens", "threatened", "threatening"),
    "accuse": ("accuses", "accused", "accusing"),
    "describe": ("describes", "described", "describing"),
    "recount": ("recounts", "recounted", "recounting"),
}

EN_VERBS: frozenset[str] = frozenset(
    form for base, forms in _EN_VERB_STEMS.items() for form in (base, *forms)
)

ES_VERBS: frozenset[str] = frozenset("""
dijo dice dijeron decía afirmó afirma afirmaron señaló señala señalaron aseguró asegura aseguraron
declaró declara declararon explicó explica explicaron añadió añade agregó agrega advirtió advierte
sostuvo sostiene insistió insiste indicó indica expresó expresa manifestó manifiesta reiteró reitera
subrayó subraya destacó destaca apuntó apunta comentó comenta respondió responde preguntó pregunta
escribió escribe publicó publica denunció denuncia reconoció reconoce admitió admite negó niega
anunció anuncia informó informa precisó precisa puntualizó puntualiza enfatizó enfatiza recordó recuerda
consideró considera opinó opina aseveró asevera externó
""".split())

# Nouns that carry a statement ("in a statement", "in remarks to reporters").
CUE_NOUNS: frozenset[str] = frozenset("statement remarks comments interview speech press conference post tweet".split())


def alternation(words: frozenset[str]) -> str:
    """A regex alternation, longest first, with spaces matching any whitespace."""
    return "|".join(w.replace(" ", r"\s+") for w in sorted(words, key=lambda w: (-len(w), w)))
