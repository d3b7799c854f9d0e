"""The crisis signals: patterns for behaviours at levels 1 to 3, compiled once and indexed by anchor words.

Signals are patterns for behaviours, written over verb families and tenses rather than fixed sentences,
from the building blocks in ``moderation.crisis_vocabulary``. Each specification is ``(name, level,
pattern, options, anchors)``:

- ``options``: ``weak`` marks a *corroborating* signal: "I have a plan", "going to do it", "bought a
  rope", "giving my things away", "just in case" mean little alone and only count beside another
  signal. ``keyword`` marks a signal ignored in a clinical or teaching frame unless the author discloses
  ("suicidal", "self harm", "suicide note", "lethal dose"). ``speaker`` marks a signal always about the
  author, even when it addresses "you" ("take care of each other for me").
- ``anchors``: words of which a message must contain one for the pattern to run at all. A message only
  runs the patterns its words allow (``SIGNALS_BY_ANCHOR``), so most chat messages run none; a test checks
  that skipping the others never changes a result.

Several specifications may share a name, the one moderators read (``crisis:kill_self``). The order of the
table is the order in which signals are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.crisis_vocabulary import (
    BODY_PART,
    COMMIT_SUICIDE,
    DAYS,
    DELIBERATE,
    DIE,
    END_ALL,
    END_IT,
    END_LIFE,
    HEIGHTS,
    HURT_SELF,
    KILL_SELF,
    METHOD,
    METHOD_OBJECTS,
    NOT_ENDING_A_LIFE,
    OFF_SELF,
    PILL_WORDS,
    REFLEXIVE_WORDS,
    expand,
)

_SIGNAL_SPECS: tuple[tuple[str, int, str, str, str], ...] = (
    # name, level, pattern, options, anchors -------------------------------------------------
    # --- level 3: intent, plan, means, preparation, farewell, act in progress -------------------
    (
        "intent",
        3,
        r"\b(?:going to|about to|planning to|planning on|plan to|decided to|made up my mind to|ready to|i will)"
        r"(?: just| finally| actually| really| definitely)? (?:kill(?:ing)? <REFL>|end(?:ing)? <POSS> (?:own )?life"
        rf"|tak(?:e|ing) <POSS> (?:own )?life|end(?:ing)? (?:it(?: all)?|everything|things)\b{NOT_ENDING_A_LIFE}"
        r"|commit(?:ting)? suicide|off(?:ing)? <REFL>|hang(?:ing)? <REFL>|overdos(?:e|ing)|od)\b",
        "",
        f"{REFLEXIVE_WORDS} life end ending suicide overdose overdosing od",
    ),
    (
        "intent",
        3,
        rf"\b(?:going to|about to|planning to|planning on|plan to|decided to|made up my mind to|i will)"
        rf"(?: just| finally| actually| really| definitely)? {METHOD}",
        "",
        f"{METHOD_OBJECTS} overdose overdosing od bleach antifreeze wrist wrists {PILL_WORDS}",
    ),
    (
        "intent",
        3,
        r"\bi am (?:ending it|ending my life|taking my life|committing suicide|overdosing|done living)"
        rf"\b{NOT_ENDING_A_LIFE}|\bi am killing myself <TIME>\b",
        "",
        "ending taking committing overdosing living killing",
    ),
    (
        "plan",
        3,
        r"\b(?:i have|i have got|i got|i made|i have made|i came up with|i worked out|i figured out|i have figured out"
        r"|i have worked out|i already have|i have already got) (?:a|the|my)(?: [a-z]+)? plan\b(?! (?:for|to (?:study"
        r"|pass|get|finish|make|catch|go|see|meet|eat|sleep|rest|relax|work)|b|of attack)\b)"
        r"|\b(?:picked|chosen|set) (?:a|the) (?:date|day)\b|\bplanned (?:it|everything) out\b"
        r"|\b(?:figured out|know|worked out) (?:exactly )?how (?:i am going to|i will|i would|to) do it\b",
        "weak speaker",
        "plan date day planned how",
    ),
    (
        "plan",
        3,
        r"\bmy suicide (?:plan|note|letter)\b|\bplan(?:ning|ned)? (?:my|the) suicide\b",
        "keyword",
        "suicide",
    ),
    (
        "intent_to_act",
        3,
        r"\b(?:going to|will|plan to|planning to|planning on|decided to|about to|ready to|i am)(?: finally| actually"
        r"| really| just)? (?:do it|doing it|go through with it|going through with it)\b",
        "weak speaker",
        "do doing through",
    ),
    (
        "means_stockpiled",
        3,
        r"\b(?:saving|saved|save|stockpiling|stockpiled|stockpile|hoarding|hoarded|hoard|collecting|collected|stashing"
        r"|stashed|stash|hiding|hid|storing|stored|building)(?: up)? (?:my |all my |some |the |a bunch of |enough |"
        r"extra |a stash of |a supply of |all the )?(?:[a-z]+ )?<PILLS>\b"
        r"|\b(?:enough|have|got)(?: [a-z]+)? <PILLS> (?:saved|stashed|stockpiled|hidden|hoarded|put away)\b"
        r"|\benough <PILLS><GAP3> to (?:do it|end it|die|kill myself|not wake up|overdose|od)\b",
        "keyword",
        PILL_WORDS,
    ),
    (
        "means_acquired",
        3,
        r"\b(?:bought|buying|buy|got|getting|ordered|ordering|picked up|purchased|found|hid|hidden)(?: myself| me)?"
        r"(?: a| the| some| my)? (?:rope|gun|firearm|pistol|handgun|shotgun|rifle|razor blades?|blades|helium|"
        r"charcoal|exit bag)\b|\bknows? (?:exactly )?what (?:it is|its|they are|it will be) for\b"
        r"|\bknows? (?:exactly )?what (?:i am going to|i will|to) do with (?:it|them)\b",
        "weak speaker",
        "rope gun firearm pistol handgun shotgun rifle blade blades helium charcoal bag what",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:tied|tying|made|making|bought|have|got|hung|set up|setting up)(?: [a-z]+)? (?:a |the |my )?noose\b"
        r"|\b(?:gun|pistol|knife|blade) (?:to|against) my (?:head|temple|throat|wrists?)\b"
        r"|\b(?:rope|noose) is (?:ready|up|tied|set up|around my neck)\b"
        r"|\b(?:the |my )?(?:<PILLS>|gun|rope|blade|razor) (?:is |are )?(?:in my hand|in front of me|lined up"
        r"|ready)\b",
        "",
        f"noose gun pistol knife blade rope razor {PILL_WORDS}",
    ),
    (
        "lethal_means_research",
        3,
        r"\b(?:know|knew|looked up|look up|looking up|googled|googling|researched|researching|calculated|calculating"
        r"|worked out|figured out|checked|searched)(?: up)?<GAP2> (?:the )?(?:lethal|fatal|deadly) (?:dose|doses|"
        r"dosage|amount|quantity)\b",
        "keyword",
        "lethal fatal deadly",
    ),
    (
        "method_seeking",
        3,
        r"\b(?:fastest|quickest|easiest|painless|least painful|most painless|best|surest|most reliable|most effective"
        r"|simplest|peaceful|most peaceful|quietest|cleanest)(?: [a-z]+)? (?:way|ways|method|methods|means) (?:to|of)"
        r" (?:die|dying|end it|end my life|kill myself|commit suicide|overdose|od|not wake up|check out"
        r"|go\b(?! (?:to|home|back|from|about|over|through|into|out|for|there|on|in|up|down|by|via|with)\b))"
        r"|\bhow (?:many|much)<GAP4>(?: would it take| does it take| it would take| it takes| would i need| do i need"
        r"| i would need| i need)? (?:to (?:die|kill me"
        r"|kill myself|overdose|od|not wake up|end it)|would kill me|until i die|is (?:lethal|fatal|deadly)"
        r"|would be (?:lethal|fatal|deadly))\b"
        r"|\bhow (?:to|do i|could i|can i|would i|should i)(?: [a-z]+)? (?:kill myself|end my life|commit suicide"
        r"|end it all|hang myself|die painlessly|die quickly|die without|overdose on)\b",
        "keyword",
        "way ways method methods means how",
    ),
    (
        "farewell",
        3,
        r"\b(?:goodbye|farewell|bye)(?: [a-z]+)? (?:world|cruel world|forever|for good|for the last time)\b"
        r"|\bthis is (?:my )?(?:final |last )?goodbye\b"
        r"|\bmy last (?:night|day) (?:alive|on earth|on this earth)\b"
        r"|\bby the time (?:you|anyone|someone|somebody) (?:read|reads|see|sees|finds|find) this\b"
        r"|\bwill not be (?:here|around|alive) (?:tomorrow|much longer|for much longer|by morning|after tonight"
        r"|anymore|for long)\b|\btake care of (?:my (?:cat|dog|family|parents|mom|mum|dad|sister|brother|kids"
        r"|plants|pets)|each other) for me\b"
        r"|\btell my <FAMILY> (?:that )?i (?:love|am sorry)\b",
        "speaker",
        "goodbye farewell bye last time here around alive care tell",
    ),
    (
        "farewell",
        3,
        r"\b(?:goodbye|farewell)(?: [a-z]+)? (?:everyone|everybody|all of you|you all|guys|friends|all)\b(?!(?: ,"
        r"| \.| !)? (?:see|until|till|for now|for today|for tonight|have|good luck|enjoy|happy|catch|talk|ttyl"
        r"|tomorrow|next|on|in|at|from|and (?:good|see|have)|thanks for (?:a|the|coming|joining|having))\b)",
        "weak speaker",
        "goodbye farewell",
    ),
    (
        "farewell_note",
        3,
        r"\b(?:suicide|goodbye|farewell) (?:letters?|notes?|messages?|videos?)\b",
        "keyword",
        "suicide goodbye farewell",
    ),
    (
        "preparing",
        3,
        r"\b(?:wrote|written|write|writing|left|leaving|finished|finishing|drafted|drafting|sent|sending)<GAP2>"
        r" (?:letters?|notes?|messages?|emails?|cards?)<GAP2> (?:to|for) (?:my |all my |each of my )?<FAMILY>\b"
        r"|\b(?:just in case|in case (?:something|anything) happens|in case i (?:do not|am not|die|go)"
        r"|for when i am gone|after i am gone|when i am gone)\b"
        r"|\b(?:giving|gave|give|given|gifting|donating|donated)\b<GAP6> away\b"
        r"|\b(?:giving|gave|give)(?: away)? (?:all )?my [a-z]+(?: and [a-z]+)? to (?:my |a )?[a-z]+\b"
        r"|\bwill not (?:be needing|need) (?:them|it|these|those|this|that|her|him|any of (?:it|them|this)|anything"
        r"|my [a-z]+|any of my [a-z]+)(?: (?:anymore|any more|where i am going|much longer))?\b(?! (?:after|once"
        r"|for|until|since|because|now|next|when|during|till|in|at|on)\b)"
        r"|\b(?:getting|got|put|putting) my affairs in order\b|\b(?:updated|wrote|made|making|writing) (?:a|my) will\b"
        r"|\bthank(?:s| you)(?: all| everyone| guys)? for (?:trying|putting up with me|being there for me)\b"
        r"|\bi have everything i need\b|\bi am ready\b(?! (?:for|to|when|if)\b)"
        r"|\bsorry for (?:everything|being a burden|all the trouble|all of this)\b"
        r"|\b(?:(?:tonight is|tonights) the night|(?:today is|todays) the day)\b|\bgoodbye\b"
        r"|\b(?:thinking|thought|think) about how (?:i would|i will|i could|i am going to|to) do it\b",
        "weak speaker",
        "letter letters note notes message messages email emails card cards case gone away giving gave give need "
        "needing affairs will thanks thank sorry tonight tonights today todays goodbye how everything ready",
    ),
    (
        "act_in_progress",
        3,
        r"\b(?:took|taken|swallowed|downed|popped|ate)(?: [^\W_]+){0,3}? (?:the whole|the entire|a whole|an entire"
        r"|all|all of|a bunch of|a handful of|handful of|way more|too many|too much|so many|a lot of|lots of|double"
        r"|triple|way too many|much more|far more|a lot more|the rest of)(?: [^\W_]+){0,3}? (?:<PILLS>|bottle\b(?! of"
        r" (?:wine|water|vodka|whiskey|beer|soda|coke|juice|champagne|rum|tequila|gin|sauce|milk|shampoo))|pack"
        r"|packet|box|blister pack)\b"
        r"|\b(?:took|taken|swallowed)(?: [^\W_]+){0,5}? (?:<PILLS>|dose|doses)(?: [a-z]+){0,2}? than (?:i should"
        r"|i was supposed|i am supposed|prescribed)\b"
        r"|\b(?:took|taken|swallowed|downed)(?: like| about| over| around)? (?:[1-9][0-9]+|a dozen|dozens) (?:of "
        r"(?:my|the|those|these) )?(?:<PILLS>|[a-z]+(?:ine|ol|am|pam|one|ide|ate|in|ium|ax|il|an|en)\b)"
        r"|\b(?:i|i just|i have|i think i|i have just|just) (?:overdosed|took an overdose|od)\b"
        r"|\b(?:cut|cutting) (?:too deep|deeper than ever|so deep)\b"
        r"|\bbleeding (?:a lot|and (?:it )?(?:will not|can not|does not) stop|heavily|everywhere)\b"
        r"|\b(?:standing|sitting|i am) on (?:the )?(?:ledge|railing|tracks|edge of the (?:roof|bridge|building|cliff"
        r"|platform))\b",
        "",
        f"{PILL_WORDS} bottle pack packet box dose doses overdosed overdose od deep bleeding ledge railing tracks "
        "edge",
    ),
    # --- level 2: active ideation, self-harm, method ideation ---------------------------------
    ("kill_self", 2, rf"\b{KILL_SELF}\b", "", REFLEXIVE_WORDS),
    ("end_life", 2, rf"\b{END_LIFE}|\b{END_ALL}|\b{COMMIT_SUICIDE}", "", "life all everything things suicide"),
    (
        "wish_to_die",
        2,
        rf"\b<IDEATE>(?: to| of| about| on| that)?<GAP2> (?:{DIE}|{END_IT}|{OFF_SELF})",
        "",
        f"die dead alive living live end ending kill {REFLEXIVE_WORDS}",
    ),
    (
        "wish_to_die",
        2,
        r"\b(?:think|thinking|thought|thinks|obsessing|obsessed|fantasi[sz]ing|dreaming) about(?: (?:lately|constantly"
        r"|always|is|just|often|all|day|so|much|a|lot|these|days|now|anymore|honestly|really))* (?:dying|being dead"
        r"|not being alive|my own death|my death)\b(?! (?:my|your|her|his|the|their) hair)"
        r"|\bbetter off dead\b|\brather be dead\b(?! than)|\bwish(?:ed)? (?:that )?i (?:was|were|had been|could be"
        r"|would be) dead\b|\bi should (?:just )?(?:die|be dead)\b|\blet me die\b|\bready to die\b",
        "",
        "dead die dying death alive",
    ),
    ("suicidal", 2, r"\bsuicidal\b", "keyword", "suicidal"),
    (
        "suicide_ideation",
        2,
        r"\bsuicide (?:is|feels|seems|looks|sounds|is looking|would be|might be|keeps|is starting to)(?: like)?<GAP3>"
        r" (?:option|options|answer|solution|way out|good|better|appealing|tempting|easier|relief|attractive|best"
        r"|only|nice|peaceful|right)\b"
        r"|\bsuicide (?:is|has been|keeps being)(?: always| constantly)? on my mind\b"
        r"|\b(?:think|thinking|thought|thinks|considering|considered|contemplating|contemplated|planning|planned"
        r"|researching|researched|googling|googled|talking|talked|talks|posting|posted|mentioned|mentioning)"
        r"(?: about| of)? (?:committing )?suicide\b(?! (?:prevention|rates?|risk|screening|awareness|statistics|among"
        r"|in (?:physicians|doctors|medical students|residents))\b)"
        r"|\bsuicide (?:crossed|crosses|has crossed|keeps crossing) my mind\b|\bmy suicide attempts?\b",
        "keyword",
        "suicide",
    ),
    (
        "self_harm",
        2,
        r"\bself (?:harm|harming|harmed|injury|injuring|injure|mutilation|mutilating)\b"
        r"|\b(?:cut|cutting)(?: <REFL>)? again\b"
        r"|\b(?:started|start|starting|relapsed into|urge to|urges to|want to|need to|going to) cut(?:ting)?"
        r"(?: <REFL>)?\b(?! (?:class|classes|back|down|out|off|my hair|it|the|a|carbs|sugar|ties|corners|costs"
        r"|caffeine|my losses|in line)\b)",
        "keyword",
        "self cut cutting",
    ),
    (
        "self_harm",
        2,
        r"\b(?:harm|harming|harmed|mutilate|mutilating|cutting|burning) <REFL>\b"
        rf"|\b<IDEATE>(?: to| of| about| on)?<GAP2> {HURT_SELF}\b"
        rf"|\b{HURT_SELF}(?: again)?(?: [a-z]+)? (?:on purpose|deliberately|intentionally|to feel|to cope|because i"
        r" deserve|so i can feel|until i bleed|till i bleed|until it bleeds|till it bleeds|again)\b"
        r"|\b(?:slit|slitting|slash|slashing) <POSS> wrists?\b|\bmake <REFL> bleed\b",
        "",
        f"{REFLEXIVE_WORDS} wrist wrists",
    ),
    (
        "method_ideation",
        2,
        rf"\b<IDEATE>(?: to| of| about| on| just)?<GAP2> {METHOD}",
        "",
        f"{METHOD_OBJECTS} overdose overdosing od bleach antifreeze wrist wrists {PILL_WORDS}",
    ),
    # --- level 1: distress, passive wish to be dead ------------------------------------------
    (
        "passive_wish",
        1,
        r"\b(?:do not|does not|did not|never|no longer|not) (?:want|wanna|wish) to (?:be (?:here|alive|around"
        r"|on this earth|in this world)|exist|live|keep living|wake up|go on|keep going)(?: [a-z]+){0,2}?"
        r" (?:anymore|any more|any longer|no more|again)\b"
        r"|\b(?:do not|does not|did not|never|no longer) (?:want|wanna|wish) to (?:be alive|exist|live|keep living"
        r"|wake up|be on this earth)\b(?! (?:with|in|at|near|there|like)\b)",
        "",
        "anymore more longer again alive exist live living wake earth",
    ),
    (
        "passive_wish",
        1,
        r"\b(?:disappear|vanish|cease to exist|stop existing|fade away)(?: [a-z]+){0,2}? (?:forever|for good"
        r"|permanently|and never come back|and not come back|from this world|from existence|off the face of the"
        r" earth)\b"
        r"|\b(?:wish|wishing|want|wanted|hope|hoping)(?: i could| to| i would| i could just| to just)? (?:just )?"
        r"(?:stop existing|cease to exist|not exist|not be alive)\b"
        r"|\b(?:sleep|fall asleep|go to sleep|close my eyes)<GAP3> and (?:not|never) wake up\b"
        r"|\b(?:wish|want|hope|hoping|pray|praying|wishing)<GAP4> (?:not|never) (?:to )?wake up\b"
        r"|\b(?:want|wanna) to sleep forever\b"
        r"|\b(?:hope|hoping|wish|pray|praying) (?:that )?i (?:die|get hit by a (?:car|bus|truck|train)|crash"
        r"|get into an accident|do not make it|never wake)\b"
        r"|\bwish(?:ed)? (?:that )?i(?: had| would| have)? (?:never|not) (?:have )?(?:been|was|were) born\b"
        r"|\b(?:fine|ok|okay|happy|relieved|glad|mind|care|hope|hoping|wish|wishing|pray|praying)\b<GAPC4>"
        r" (?:if |that )?(?:(?:a|the|some) (?:bus|car|truck|train|lorry) (?:hit|hits|would hit|ran over"
        r"|would run over) me"
        r"|i (?:got|get|was|were) hit by (?:a|the) (?:bus|car|truck|train|lorry))\b",
        "",
        "disappear vanish cease existing exist fade alive wake forever die hit crash accident make born bus car truck "
        "train lorry",
    ),
    (
        "burden",
        1,
        r"\bbetter off without me\b|\b(?:i am|i feel like|i am just|i am such|i feel like i am|i am nothing but)"
        r"(?: a| such a| a huge| just a| nothing but a)? burden\b"
        r"|\bburden (?:to|on) (?:everyone|my family|my friends|everybody|the people around me|those around me)\b",
        "",
        "without burden",
    ),
    (
        "not_missed",
        1,
        r"\b(?:notice|care|miss|matter|better|easier|relieved|happier)\b<GAPC4> (?:if|when) i (?:was gone|were gone"
        r"|am gone|was dead|were dead|died|die|disappeared|vanished|was not here|were not here|was not around"
        r"|were not around|did not wake up|never woke up|stopped existing|was not alive|were not alive|killed myself"
        r"|left for good|stopped showing up|never came back|never showed up again|went away forever)\b"
        r"|\b(?:nobody|no one|noone|no body)(?: would| will)(?: even| ever| really)? (?:miss me|notice i am gone"
        r"|care if i (?:die|died|was gone))\b"
        r"|\bif i (?:died|disappeared|was gone|were gone|was dead|were dead|did not wake up)<GAPC10> (?:nobody|no one"
        r"|would anyone|would anybody|who would|relieved|relief|better off|easier|happier)\b",
        "",
        "gone dead died die disappeared vanished here around wake woke existing alive myself good showing came showed "
        "away miss notice care",
    ),
    (
        "hopeless",
        1,
        r"\b(?:tired|sick|exhausted|done|over) (?:of|with) (?:living|life|being alive|existing|it all|this life"
        r"|being here)\b"
        r"|\b(?:no|what is|there is no|do not see|can not see|cannot see)(?: even| really| honestly)?(?: the| any)?"
        r" (?:point|reason|purpose) (?:in|of|to)(?: even)? (?:living|life|being alive|going on|existing"
        r"|anything anymore|any of it anymore|carrying on|waking up|staying alive)\b"
        r"|\bnothing (?:left )?to live for\b|\bnothing left for me(?: here| in this world| anymore)?\b(?! to)"
        r"|\bno reason to (?:live|be alive|go on|keep going|stay alive)\b"
        r"|\b(?:life|living) (?:is|feels)(?: just)? (?:not worth (?:it|living)|pointless|meaningless)\b"
        r"|\bnot worth living\b|\bgiven up on (?:life|living)\b|\bgive up on (?:life|living)\b"
        r"|\bcan not (?:go on|keep going|keep living|live like this|take it anymore|do life anymore|cope anymore)\b"
        r"|\bwant (?:it all|everything|my life|the pain|all of it|all of this) to (?:end|stop|be over)\b",
        "",
        "tired sick exhausted done over point reason purpose nothing life living worth given give can want",
    ),
)

# Behaviours added after a blind evaluation (docs/moderation.md): written as families of wording, each
# checked against the non-crisis sets for clinical talk and hyperbole.
_SIGNAL_SPECS += (
    (
        "act_in_progress",
        3,
        # Somewhere high or on the tracks, now ("on the roof of my building rn", "drove to the bridge ...
        # just sitting in my car looking at it").
        r"\b(?:i am|standing|sitting|i just|just|drove|walked|went|climbed|parked)(?: [a-z]+){0,3}? (?:on|at|to"
        rf"|onto|up to|near|by|under) (?:the |my |this |a )?{HEIGHTS}\b(?! (?:club|game|loan|deck|bar|garden"
        r"|party|lounge|program|course|year|burger|notes|cards)\b)(?: [^ ]+){0,14}? (?:right now|now|tonight"
        r"|looking (?:at it|down|over)|coming (?:down|back|home)|jump|jumping)\b"
        r"|\b(?:cut|cutting|sliced)(?: [a-z]+){0,2} (?:too deep|deeper|so deep|really deep|very deep)\b"
        r"|\b(?:will not|can not|does not|would not) stop bleeding\b",
        "",
        "roof rooftop bridge ledge edge tracks railing overpass cliff balcony top deep deeper bleeding",
    ),
    (
        "intent",
        3,
        # An act with a time on it ("unaliving myself this weekend", "do it tonight after she falls asleep").
        rf"\b{KILL_SELF}(?: [a-z]+){{0,2}}? <TIME>\b"
        r"|\b(?:going to|will|plan to|planning to|decided to|about to)(?: finally| actually| really| just)? (?:do it"
        r"|go through with it) (?:tonight|right now|today|tomorrow|this weekend|after (?:everyone|everybody|my [a-z]+"
        r"|they|he|she|the house) (?:falls?|goes|go|is|are|gets?) (?:asleep|to sleep|to bed|out|gone|quiet))\b",
        "",
        f"{REFLEXIVE_WORDS} do through",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:rope|noose|gun|firearm|pistol|rifle|shotgun|revolver|razor blades?)(?: is| are)? (?:in|under|on|by"
        r"|next to|inside) (?:<POSS>|the) (?:closet|car|bag|backpack|drawer|desk|room|bedroom|nightstand|locker"
        r"|glovebox|glove box|apartment|trunk)\b",
        "",
        "rope noose gun firearm pistol rifle shotgun revolver razor blade blades",
    ),
    (
        "means_at_hand",
        3,
        r"\b(?:the |my )?(?:bottle|bottles|pills|blister packs?)(?: is| s| are)? (?:right )?(?:here|next to me"
        r"|beside me|in front of me)\b"
        r"|\bthe (?:<PILLS>|bottle|bottles|rope|gun|blades?|razor|razors|vials?) (?:i have|i have got|i kept"
        r"|i saved)\b"
        r"|\bi know the (?:dose|amount|number)(?: now)?\b"
        r"|\b(?:for|at) (?:someone|somebody|a person)?(?: at)? my (?:weight|size|body weight)\b",
        "weak speaker",
        "bottle bottles pills blister packs have kept saved know weight size",
    ),
    (
        "means_acquired",
        3,
        # Taking lethal means home from the hospital, and knowing what they do.
        r"\b(?:pocketed|pocketing|pocket|took|taking|stole|stealing|swiped|swiping|diverted|diverting|snuck"
        r"|sneaking|kept|keeping|brought|bringing)(?: [a-z]+){0,3}? (?:vials?|ampules?|amps|syringes?|<PILLS>|kcl"
        r"|potassium|insulin|propofol|midazolam|blades?|scalpels?)(?: [a-z]+){0,3}? (?:from|out of|home from) (?:the"
        r" )?(?:pyxis|omnicell|hospital|ward|work|pharmacy|supply room|crash cart|skills lab|or|clinic|unit)\b"
        r"|\bknows? (?:exactly )?what (?:it|they|that|this|those|these) (?:does|do|would do|will do|can do)\b",
        "weak speaker",
        f"vial vials ampule ampules amps syringe syringes kcl potassium insulin propofol midazolam blade blades "
        f"scalpel scalpels what {PILL_WORDS}",
    ),
    (
        "lethal_means_research",
        3,
        r"\b(?:which|what|how much|how many)<GAP6> (?:would|will|could|might|is|are)(?: be)? (?:lethal|fatal|deadly"
        r"|enough to (?:kill me|die|not wake up))\b",
        "keyword",
        "lethal fatal deadly enough",
    ),
    (
        "farewell",
        3,
        r"\b(?:will not|am not going to) be (?:here|around|alive)(?: anymore| any more)? (?:when|by|after|to see"
        r"|tomorrow|in the morning|by morning|much longer|next week)\b|\bi will be gone (?:by|before|when|after)\b",
        "speaker",
        "here around alive gone",
    ),
    (
        "preparing",
        3,
        r"\b(?:cancelled|canceled|ended|broke|terminated) my lease\b"
        r"|\b(?:cleared|cleaned|emptied) out my (?:apartment|room|place|desk|locker|dorm)\b"
        r"|\b(?:wrote|written|write|writing|finished|left|leaving) (?:my|a|the) (?:note|letter|letters|notes)\b"
        r"(?! (?:to|for) (?:class|the (?:class|team|dean|program)|my (?:attending|professor|preceptors?|program|pi"
        r"|residency|team|landlord|boss)))"
        r"|\b(?:say|said|saying) (?:bye|goodbye) to (?:someone|somebody|you all|everyone|you guys|all of you)\b"
        r"|\b(?:updated|update|updating|wrote|made|making|writing) (?:a|my) will\b"
        r"|\b(?:i have|i have got|got) everything (?:ready|i need|sorted|planned|set)\b"
        rf"|\b{DAYS} is the (?:day|night)\b"
        r"|\b(?:temporary|for a while|for a bit)\b(?: [^ ]+){0,4}? (?:it is not|it was not|it is permanent)\b"
        r"|\b(?:decided|picked|chose|set|know) (?:it is|it will be|it is going to be|when it will be) (?:the |this"
        rf" |next )?(?:{DAYS}|weekend|day|night|date)\b",
        "weak speaker",
        "lease apartment room place desk locker dorm note letter letters notes bye goodbye will everything day "
        "night temporary while bit decided picked chose set know",
    ),
    (
        "wish_to_die",
        2,
        r"\bcatch(?:ing)? the bus (?:thoughts|urges|again|tonight|soon|vibes|plans?|ideation|feelings|mood)\b"
        r"|\b<IDEATE>(?: to| of| about)?<GAP2> suicide\b(?! (?:prevention|rates?|risk|screening|awareness)\b)",
        "keyword",
        "bus suicide",
    ),
    (
        "self_harm",
        2,
        # The intent may come a sentence later ("hitting myself when i get questions wrong. like hard enough
        # to bruise").
        rf"\b{HURT_SELF}(?: [^ ]+){{0,10}}? {DELIBERATE}"
        r"|\b(?:cut|cutting|scratch|scratched|scratching|burn|burned|burnt|burning|carve|carved|carving|slice|sliced"
        r"|slicing|hit|hitting|punch|punched|punching|bang|banged|banging|slam|slammed|slamming|bite|bit|biting)"
        rf"(?: [a-z]+){{0,2}}? {BODY_PART}<GAP6> {DELIBERATE}"
        r"|\b(?:punch|punched|punching|hit|hitting|slam|slammed|slamming) (?:the )?(?:walls?|doors?)<GAP6>(?: ,)?"
        rf" {DELIBERATE}"
        r"|\b(?:blade|razor|knife|scissors|lighter|scalpel|compass|sharpener)(?: blade)? (?:on|to|into|across)"
        rf" {BODY_PART}\b"
        r"|\brelaps(?:e|ed|ing) (?:on|into|back into|with) (?:cutting|self harm|burning|hurting myself|the razor)\b"
        r"|\brelaps(?:e|ed|ing)\b(?: [^ ]+){0,8}? (?:razor|blade|cut|cutting|burned|burning)\b",
        "speaker",
        f"{REFLEXIVE_WORDS} my both wall walls door doors blade razor knife scissors lighter scalpel compass "
        "sharpener relapse relapsed relapsing",
    ),
    (
        "self_harm",
        2,
        r"\bi (?:cut|cut myself)(?: again)? (?:last night|tonight|today|this morning|after)\b"
        r"|\b(?:was not|not that|not very|was not that) deep\b|\b(?:just )?needed (?:it|to feel something|the pain)\b",
        "weak speaker",
        "cut deep needed",
    ),
    (
        "passive_wish",
        1,
        r"\b(?:skip|be done with|not have to live) the rest of (?:my )?life\b"
        r"|\b(?:permanently|forever) (?:stop|sleep|rest|disappear|be gone|go away)\b|\bstop (?:existing|permanently"
        r"|forever)\b"
        r"|\b(?:hope|hoping|wish|wishing|pray|praying)<GAP2> (?:something|anything) (?:bad )?(?:happens|would happen"
        r"|will happen|happened) to me\b"
        r"|\b(?:death|dying|being dead|not existing|not waking up)<GAP2> (?:sounds|seems|feels|looks|is)<GAP2>"
        r" (?:peaceful|nice|appealing|tempting|like a relief|like relief|comforting|better|easier|good|like an"
        r" escape)\b"
        r"|\b(?:would not mind|would be fine|would be okay|would be ok|would not care)<GAP2> (?:not existing|not being"
        r" alive|not waking up|dying|being dead|if i died|if i did not wake up)\b"
        r"|\b(?:wish|hope|hoping|praying|pray)<GAP4> (?:the|my|a) (?:plane|car|bus|train|truck) (?:would |will )?(?:go"
        r" down|goes down|crash|crashes|hit me|hits me)\b"
        r"|\b<IDEATE>(?: about| of)? not (?:being|be) (?:around|here|alive)(?: anymore| any more)?\b",
        "",
        "rest permanently forever stop happens happen happened peaceful nice appealing tempting relief comforting "
        "better easier good escape mind fine okay ok care plane car bus train truck around here alive",
    ),
    (
        "not_missed",
        1,
        r"\b(?:notice|care|miss|matter|better|easier|relieved|happier|fine|okay|ok|lighter|simpler)\b<GAPC4>"
        r" (?:if|when) i(?: just| even| really| actually| simply)? (?:was gone|were gone|am gone|was dead|were dead"
        r"|died|die|disappeared|vanished|was not here|were not here|was not around|were not around|did not wake up"
        r"|never woke up|stopped existing|was not alive|were not alive|did not make it|do not make it|was not"
        r" (?:here|around) anymore)\b"
        r"|\b(?:better|happier|easier|fine)(?: off)? without me\b"
        r"|\bif i (?:got|get) (?:hit by|in) (?:a|the) (?:car|bus|truck|train|accident|crash)<GAPC10> (?:relieved"
        r"|relief|fine|okay|glad|happy|better)\b"
        r"|\b(?:would not be (?:the worst thing|so bad|that bad)|would be (?:a relief|nice|fine|okay))<GAPC4> (?:if"
        r"|when) i (?:did not make it|died|do not make it|did not wake up|was gone|crashed|got hit)\b",
        "",
        "notice care miss matter better easier relieved happier fine okay ok lighter simpler without hit relief "
        "worst bad",
    ),
    (
        "hopeless",
        1,
        r"\bcan not (?:picture|see|imagine) (?:a |any |my )?future\b|\bno future for me\b"
        r"|\b(?:do not|can not) see the point(?: of| in)? (?:any of (?:this|it) |anything |life |living )?anymore\b"
        r"|\b(?:waste of (?:space|oxygen|air)|do not deserve to (?:live|be alive|exist|be here))\b"
        r"|\b(?:everything|life|it all|my life) (?:feels|is|seems) (?:so |completely |totally )?hopeless\b"
        r"|\bi (?:feel|am) (?:so |completely |totally )?hopeless\b"
        r"|\bhow much longer i can (?:keep (?:doing this|going|living)|do this|go on|take (?:this|it))\b"
        r"(?! (?:rotation|job|schedule|program|shift|class|block|pace|course|semester|commute)\b)"
        r"|\b(?:do not|does not|stopped|stop) car(?:e|ing) (?:if|whether) i (?:live|die|wake up|make it)\b",
        "",
        "future point waste deserve hopeless longer care caring",
    ),
)


@dataclass(frozen=True)
class Signal:
    name: str
    level: int
    regex: re.Pattern[str]
    anchors: frozenset[str]
    corroborating: bool  # counts only beside another signal
    keyword: bool  # ignored in a clinical or teaching frame unless the author discloses
    speaker: bool  # always about the author, even when it addresses "you"


SIGNALS: tuple[Signal, ...] = tuple(
    Signal(
        name=name,
        level=level,
        regex=re.compile(expand(pattern)),
        anchors=frozenset(anchors.split()),
        corroborating="weak" in options.split(),
        keyword="keyword" in options.split(),
        speaker="speaker" in options.split(),
    )
    for name, level, pattern, options, anchors in _SIGNAL_SPECS
)
# anchor token -> indexes of the signals it may start, so a message only runs the patterns its words allow.
SIGNALS_BY_ANCHOR: dict[str, tuple[int, ...]] = {
    anchor: tuple(i for i, signal in enumerate(SIGNALS) if anchor in signal.anchors)
    for anchor in frozenset().union(*(signal.anchors for signal in SIGNALS))
}
