"""Per-room anonymous aliases such as "Quiet Heron".

An alias is drawn at random (``secrets``) when a membership is created and stored; it is never derived
from the user, so knowing a user id or another alias tells nothing about it.
"""

import secrets
from collections.abc import Iterable, Sequence

ADJECTIVES = (
    "Amber Autumn Blue Bold Brave Bright Calm Clear Cobalt Coral Cosmic Crimson Dawn Deep Distant Dusky Early "
    "Emerald Even Fair Fern Gentle Golden Graceful Green Hazel Hidden Honest Hopeful Indigo Ivory Jade Kind "
    "Lively Lucid Lunar Mellow Misty Modest Morning Mossy Nimble Noble Ocean Olive Open Patient Pearl Placid "
    "Quiet Rapid Ready Rosy Ruby Russet Sage Serene Silent Silver Simple Sky Slate Snowy Solar Spring Steady "
    "Still Stone Summer Sunny Swift Tidal Tranquil True Velvet Violet Warm Wild Willow Winter Wise Young Zesty"
).split()

ANIMALS = (
    "Albatross Alpaca Antelope Badger Bear Beaver Bison Bluebird Bobcat Cardinal Caribou Cheetah Condor Crane "
    "Deer Dolphin Dove Eagle Egret Elk Falcon Finch Fox Gazelle Gecko Gull Hare Hawk Hedgehog Heron Ibis Jay "
    "Kestrel Kingfisher Koala Lark Lemur Lynx Magpie Manatee Marten Meerkat Mink Moose Narwhal Newt Ocelot Orca "
    "Osprey Otter Owl Panda Pelican Penguin Petrel Plover Puffin Quail Rabbit Raven Robin Salmon Seal Sparrow "
    "Starling Stork Swan Swift Tern Thrush Tiger Toucan Turtle Vole Walrus Warbler Whale Wolf Wombat Wren Yak"
).split()


def random_alias() -> str:
    return f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"


def pick_alias(taken: Iterable[str], attempts: int = 50) -> str:
    """Return a random alias not in ``taken``.

    ``taken`` must hold the aliases already used in the room and the user's aliases in other rooms,
    so that an alias neither collides in the room nor links the user across rooms. After ``attempts``
    misses (a very full room) a random number is appended.
    """
    taken = set(taken)
    for _ in range(attempts):
        alias = random_alias()
        if alias not in taken:
            return alias
    while True:
        alias = f"{random_alias()} {secrets.randbelow(9000) + 1000}"
        if alias not in taken:
            return alias


_ADJECTIVES_FOLDED = frozenset(word.casefold() for word in ADJECTIVES)
_ANIMALS_FOLDED = frozenset(word.casefold() for word in ANIMALS)


def is_alias_shaped(words: Sequence[str]) -> bool:
    """Return whether a name's lower-case ``words`` (punctuation left out) would pass for one of our aliases.

    An alias is an adjective and an animal from our lists, and a number when a room is very full ("Quiet
    Heron", "Quiet Heron 4821"); written together or apart ("QuietHeron", "quiet_heron") it still reads as one.
    """
    joined = "".join(words).rstrip("0123456789")
    return any(
        joined.startswith(adjective) and joined[len(adjective) :] in _ANIMALS_FOLDED
        for adjective in _ADJECTIVES_FOLDED
    )
