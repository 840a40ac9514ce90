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


# --- detect-secrets' own formats (one generator per detector that needs one) ------------------

UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
BASE64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


def aws_secret_key() -> str:
    return body(BASE64, 40)


def artifactory() -> str:
    return "AKC" + body(ALNUM, 70)


def azure_storage_key() -> str:
    return body(BASE64, 86) + "=="


def high_entropy_base64() -> str:
    # Random letters can fall under detect-secrets' entropy limit (4.5) by chance: retry.
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    detector = Base64HighEntropyString()
    while True:
        value = body(BASE64, 40)
        if detector.calculate_shannon_entropy(value) > detector.entropy_limit + 0.2:
            return value


def password() -> str:
    return body(ALNUM, 16)


def cloudant_password() -> str:
    return hex_key(64)


def discord() -> str:
    return "M" + body(ALNUM, 23) + "." + body(ALNUM, 6) + "." + body(ALNUM, 27)


def github() -> str:
    return "gh" + "p_" + body(ALNUM, 36)


def gitlab() -> str:
    return "gl" + "pat-" + body(ALNUM, 20)


def gitlab_ci_build() -> str:
    """A `glcbt-` token without the optional `xx_` part: detect-secrets' group is empty."""
    return "gl" + "cbt-" + body(ALNUM, 24)


def gitlab_ci_build_prefixed() -> str:
    return "gl" + "cbt-" + body(HEX, 2) + "_" + body(ALNUM, 24)


def ibm_cloud_iam() -> str:
    return body(URLSAFE, 44)


def public_ip() -> str:
    octets = [_RANDOM.randint(11, 99), *(_RANDOM.randint(1, 254) for _ in range(3))]
    return ".".join(map(str, octets))


def jwt() -> str:
    """A token whose header and payload are fixed: only the signature tells two apart."""
    import base64
    import json

    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "1"}) + "." + body(URLSAFE, 43)


def mailchimp() -> str:
    return body(LOWER_DIGITS, 32) + "-us" + str(_RANDOM.randint(10, 20))


def npm() -> str:
    return "np" + "m_" + body(ALNUM, 36)


def openai_classic() -> str:
    return "sk" + "-" + body(ALNUM, 20) + "T3Blbk" + "FJ" + body(ALNUM, 20)


def pypi() -> str:
    return "py" + "pi-AgEIcHlwaS5vcmc" + body(URLSAFE, 80)


def sendgrid() -> str:
    return "S" + "G." + body(ALNUM, 22) + "." + body(ALNUM, 43)


def slack() -> str:
    return (
        "xo"
        + "xb-"
        + body(string.digits, 11)
        + "-"
        + body(string.digits, 12)
        + "-"
        + body(ALNUM, 24)
    )


def slack_webhook() -> str:
    path = "T" + body(UPPER_DIGITS, 8) + "/B" + body(UPPER_DIGITS, 8) + "/" + body(ALNUM, 24)
    return "https://hooks.slack" + ".com/services/" + path


def softlayer() -> str:
    return body(LOWER_DIGITS, 64)


def square() -> str:
    return "sq" + "0csp-" + body(URLSAFE, 43)


def stripe() -> str:
    return "sk" + "_live_" + body(ALNUM, 24)


def telegram() -> str:
    return body(string.digits, 9) + ":" + body(URLSAFE, 35)


def twilio() -> str:
    return "A" + "C" + body(LOWER_DIGITS, 32)


def twilio_api_key() -> str:
    return "S" + "K" + body(LOWER_DIGITS, 32)


def private_key(kind: str = "RSA", lines: int = 6) -> str:
    """A PEM block (random body: the shape detectors look for, no key), its last row short."""
    marker = f"{kind} PRIVATE KEY" if kind else "PRIVATE KEY"
    rows = "".join(body(BASE64, 64) + "\n" for _ in range(lines)) + body(BASE64, 6) + "==\n"
    return f"-----BEGIN {marker}-----\n{rows}-----END {marker}-----\n"
