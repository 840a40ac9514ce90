"""Supply chain (MLS): code and weights fetched or unpickled from where they can change.

One module per rule; `arguments` reads keywords through literal `**` dicts and
string constants, `repo_ids` tells a Hub id from a path, `hub_rule` is what the
Hub rules share, `torch_pin` reads the repository's torch requirement.
"""
