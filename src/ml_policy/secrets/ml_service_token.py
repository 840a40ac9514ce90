"""MLK001 ml-service-token: a token of Hugging Face, W&B, OpenAI, ... committed in a file."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.secrets.rule import SecretsRule


class MlServiceToken(SecretsRule):
    """
    ## What it does
    Finds tokens of the services ML code talks to, by their published formats:
    Hugging Face access tokens (`hf_` + 34 letters) and organization tokens
    (`api_org_`), Weights & Biases API keys (`wandb_v1_` keys, and 40-digit hex
    keys where W&B reads them: `WANDB_API_KEY=`, `wandb.login(key=...)`,
    `wandb login KEY`, a netrc entry for `api.wandb.ai`), OpenAI API keys
    (`sk-...T3BlbkFJ...`, `sk-proj-`, `sk-svcacct-`, `sk-admin-`), Anthropic API
    keys (`sk-ant-api03-`, `sk-ant-admin01-`), Replicate tokens (`r8_` + 37),
    Kaggle credentials (`KGAT_` tokens, `KAGGLE_KEY=`, the `"key"` of
    kaggle.json) and Comet API keys (`COMET_API_KEY=`, `api_key` near the word
    comet).

    The detectors are detect-secrets plugins (`ml_policy.secrets.plugins`), so
    `detect-secrets scan --plugin <that file>` finds the same tokens.

    ## Why is this bad?
    A committed token stays in the history after it is deleted: anyone with the
    repository (or a fork, or a leaked CI log) can download private models and
    datasets, push to your Hub organization, read experiment data or spend your
    inference budget. Revoke the token, then read it from the environment
    (`HF_TOKEN`, `WANDB_API_KEY`, `OPENAI_API_KEY`, ...) or a secret store.

    Placeholders are not reported: `hf_xxxx...`, values containing `your`,
    `example`, `placeholder`, runs of one character, `${HF_TOKEN}`,
    `os.environ["HF_TOKEN"]`.

    {inline allow}

    ## Example
    ```python
    from huggingface_hub import login

    login(token="hf_<34 letters>")
    ```

    ## Use instead
    ```python
    import os

    from huggingface_hub import login

    login(token=os.environ["HF_TOKEN"])
    ```

    ## References
    - [Hugging Face: User access tokens](https://huggingface.co/docs/hub/security-tokens)
    - [W&B: Environment variables](https://docs.wandb.ai/guides/track/environment-variables/)
    - [OpenAI: Best practices for API key safety](https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety)
    - [detect-secrets: custom plugins](https://github.com/Yelp/detect-secrets/blob/master/docs/plugins.md)
    """

    code = "MLK001"
    name = "ml-service-token"
    summary = "token of an ML service (Hugging Face, W&B, OpenAI, Anthropic, ...) in a file"
    invalid: ClassVar[tuple[str, ...]] = (
        'from huggingface_hub import login\n\nlogin(token="hf_<34 letters>")\n',
        "export REPLICATE_API_TOKEN=r8_<37 letters and digits>\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        'import os\ntoken = os.environ["HF_TOKEN"]\n',
        'token = "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n',
        "export WANDB_API_KEY=${WANDB_API_KEY}\n",
    )
