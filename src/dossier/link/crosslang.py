"""Spanish news words in English, so that a Spanish and an English report of one happening
share lead terms.

Event grouping compares the words of articles' leads. Six-letter stems already meet many
cognates (cárteles/cartels, presidente/president, designación/designation); this list covers
the common news words that are not cognates (viernes/Friday, tropas/troops, frontera/border,
soberanía/sovereignty). We wrote it by hand (no bilingual model is available offline and
light enough for the per-article stage): general vocabulary of politics, security, justice,
trade and diplomacy, with each word's frequent inflections, not words picked from one corpus.
Each line: an English word, then the Spanish words (accents stripped, lower case) that mean it.
"""

from __future__ import annotations

_LEXICON = """
monday lunes
tuesday martes
wednesday miercoles
thursday jueves
friday viernes
saturday sabado
sunday domingo
morning manana mananera matutina
yesterday ayer
today hoy
week semana
month mes meses
border frontera fronteras fronteriza fronterizo fronterizos fronterizas
troops tropas
soldiers soldados
army ejercito ejercitos
navy marina armada
forces fuerzas
guard guardia
police policia policias policial policiales
military militares castrense castrenses
war guerra guerras
fight luchar lucha luchara lucharan luchando combatir combate combatira combatiran combatiendo
confront enfrentar enfrentara enfrentaran enfrentarse enfrentamiento enfrentamientos enfrentando
attack ataque ataques atacar ataco atacara atentado atentados
strikes bombardeos bombardeo bombardear
bomb bomba bombas
weapons armas
arms armamento
drug droga drogas
drugs estupefacientes narcoticos
trafficking trafico narcotrafico
traffickers narcotraficantes traficantes
threat amenaza amenazas
threatened amenazo amenazaba
sovereignty soberania
respect respeto respetar respeta
interference injerencia injerencias
subordination sometimiento subordinacion
invasion invasion invadir invada invasiones
reject rechazo rechaza rechazar rechazan rechazaron rechazado rechazada descarto descarta descartar descartan
accept acepto acepta aceptar aceptaron
agree acordaron acordo
agreement acuerdo acuerdos pacto
offer oferta ofrecio ofrece ofrecer ofrecimiento
help ayuda ayudar apoyo
send enviar enviara envio enviaria enviaron envia despliegue desplegar desplego
deploy desplegara despliega
orders orden ordenes ordeno
call llamada llamadas
phone telefonica telefonico telefono
meeting reunion reuniones encuentro
visit visita visitar visito
talks conversaciones platicas dialogo
warned advirtio advierte advertir
announced anuncio anuncia anunciar
said afirmo senalo declaro aseguro indico expreso sostuvo
responded respondio responde responder respuesta
asked pidio pide solicito solicitud
tariffs aranceles arancel tarifas
trade comercio comercial
deal trato
pause pausa pausar suspender suspension
security seguridad
intelligence inteligencia
cooperation colaboracion
spy espionaje espiar
flights vuelos
aircraft aviones avion aeronaves
drones dron
killed asesinados asesinadas asesinato asesinatos muertos muertas mato mataron
dead muerte muertes fallecidos
massacre masacre matanza
ambush emboscada
women mujeres
children ninos menores
family familia familias
victims victimas
murder homicidio homicidios
arrested detenido detenidos detenida arresto capturado capturados captura
prisoners presos reos prisioneros reclusos
handed entrego entrega entregar entregados
transferred traslado trasladados trasladaron transfirio
extradited extraditados extradito extradicion
leaders lideres cabecillas jefes
kingpin capo capos
gang pandilla pandillas
terrorist terroristas terrorista
groups grupos grupo
foreign extranjero extranjera extranjeros extranjeras
organizations organizaciones organizacion
list lista
united unidos
states estados
state estado
secretary secretaria
minister ministro ministra canciller
ambassador embajador embajadora
congress congreso
senate senado
lawmakers legisladores
law ley leyes
reform reforma reformas
constitution constitucion constitucional
court corte tribunal
judge juez jueza
election elecciones eleccion
campaign campana
protest protesta protestas marcha
government gobierno
leader mandataria mandatario
president presidenta
first primero primera
new nuevo nueva nuevos nuevas
""".strip()

ES_EN: dict[str, str] = {es: line.split()[0] for line in _LEXICON.splitlines() for es in line.split()[1:]}


def to_english(word: str) -> str:
    """The English word for a Spanish one (accents stripped, lower case), else the word itself;
    Spanish -ción is English -tion (operación, operation; intervenciones, interventions)."""
    if word in ES_EN:
        return ES_EN[word]
    if word.endswith(("cion", "ciones")):
        return word.replace("cion", "tion")
    return word
