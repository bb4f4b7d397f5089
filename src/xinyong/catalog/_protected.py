"""Protected categories: the data xinyong refuses (design red line 1).

Opinion, belief, ethnicity, trade-union membership, health, sex life or orientation, genetic or
biometric data, the content of speech or posts, reading or media choices and location traces are
never catalogued and never ingested. The check runs on every name a catalogue or an event can
introduce: event type names, attribute names and category values.
"""

from __future__ import annotations

import re
from itertools import pairwise

# Each term maps to the protected category it reveals. Matching is per token of a name split on
# '.', '_' and '-', so "address.verified" passes while "location.trace" or "religion" do not.
PROTECTED_TERMS: dict[str, str] = {
    **dict.fromkeys(
        ["political", "politics", "party_membership", "opinion", "opinions", "vote", "voting"],
        "political opinion",
    ),
    **dict.fromkeys(
        ["religion", "religious", "belief", "beliefs", "faith", "church", "mosque", "temple",
         "philosophical", "worship"],
        "religious or philosophical belief",
    ),
    **dict.fromkeys(["ethnicity", "ethnic", "race", "racial", "caste"], "ethnicity"),
    **dict.fromkeys(["union", "trade_union", "unionised"], "trade-union membership"),
    **dict.fromkeys(
        ["health", "medical", "diagnosis", "disease", "disability", "pregnancy", "prescription",
         "hospital", "mental"],
        "health",
    ),
    **dict.fromkeys(
        ["sex_life", "sexual", "orientation", "gender_identity", "dating"],
        "sex life or sexual orientation",
    ),
    **dict.fromkeys(["genetic", "dna", "genome"], "genetic data"),
    **dict.fromkeys(
        ["biometric", "fingerprint", "face", "facial", "iris", "voiceprint"], "biometric data"
    ),
    **dict.fromkeys(
        ["speech", "post", "posts", "posted", "tweet", "comment", "comments", "message",
         "messages", "chat", "social", "social_media", "follower", "followers", "friend",
         "friends", "like", "likes", "protest", "petition"],
        "speech, posts or social ties",
    ),
    **dict.fromkeys(
        ["reading", "book", "books", "media", "news", "video", "videos", "music", "game",
         "games", "gaming", "streaming", "browsing", "website", "app_usage"],
        "reading or media choices",
    ),
    **dict.fromkeys(
        ["location", "gps", "geolocation", "geo", "trace", "traces", "checkin", "check_in",
         "whereabouts", "trajectory", "cell_tower", "wifi"],
        "location traces",
    ),
}

_SPLIT = re.compile(r"[._\-\s]+")


def protected_category(name: str) -> str | None:
    """Return the protected category a name reveals, or None when it is allowed.

    >>> protected_category("address.verified") is None
    True
    >>> protected_category("social_media.post_liked")
    'speech, posts or social ties'
    """
    lowered = name.lower()
    tokens = [t for t in _SPLIT.split(lowered) if t]
    # Two-token terms ("trade_union", "sex_life") are checked on adjacent pairs.
    pairs = [f"{a}_{b}" for a, b in pairwise(tokens)]
    for token in [*pairs, *tokens]:
        if token in PROTECTED_TERMS:
            return PROTECTED_TERMS[token]
    return None
