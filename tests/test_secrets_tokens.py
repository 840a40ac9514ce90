"""Real-looking ML-service tokens, built at run time (shared by the test_secrets modules).

No token appears as a literal in this repository: the prefixes and bodies
are joined here, so the repository's own secret scanning has nothing to find
in its tests.
"""

from __future__ import annotations

import random
import string

_RANDOM = random.Random(20261130)
LETTERS = string.ascii_letters
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def body(alphabet: str, length: int) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(length))


def hugging_face() -> str:
    return "hf" + "_" + body(LETTERS, 34)


def hugging_face_org() -> str:
    return "api" + "_org_" + body(LETTERS, 34)


def wandb_v1() -> str:
    return "wandb" + "_v1_" + body(ALNUM, 27) + "_" + body(ALNUM, 49)


def hex_key(length: int = 40) -> str:
    return body(HEX, length)


def openai_legacy() -> str:
    return "sk" + "-" + body(ALNUM, 20) + "T3Blbk" + "FJ" + body(ALNUM, 20)


def openai_project() -> str:
    return "sk" + "-proj-" + body(ALNUM + "_-", 74) + "T3Blbk" + "FJ" + body(ALNUM + "_-", 74)


def anthropic() -> str:
    return "sk" + "-ant-api03-" + body(ALNUM + "_-", 93) + "AA"


def replicate() -> str:
    return "r8" + "_" + body(ALNUM, 37)


def kaggle_api_token() -> str:
    return "KGAT" + "_" + hex_key(32)


def comet() -> str:
    return body(ALNUM, 25)


def aws_access_key() -> str:
    return "AKIA" + body(string.ascii_uppercase + string.digits, 16)
