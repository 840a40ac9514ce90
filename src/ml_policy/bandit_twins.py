"""bandit tests and the Ruff rules that report the same code (their "twins").

The bundles skip in bandit every test whose twin they select in Ruff, so that
nothing is reported twice (DESIGN.md section 4). That only holds while Ruff
really runs the twin: in a repository whose own Ruff configuration leaves it
off, the bandit test must run instead, or the code (pickle, eval, a shell
call) is reported by neither tool. `skips_for` makes that choice.

This table is the one place the pairs are written; the comments of every
bundle's bandit.toml name the same pairs, and tests/test_toolconfig.py checks
that they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ml_policy.ruffselect import RuffSelection

TWINS: dict[str, tuple[str, ...]] = {
    "B101": ("S101",),  # assert_used
    "B102": ("S102",),  # exec_used
    "B103": ("S103",),  # set_bad_file_permissions
    "B104": ("S104",),  # hardcoded_bind_all_interfaces
    "B105": ("S105",),  # hardcoded_password_string
    "B106": ("S106",),  # hardcoded_password_funcarg
    "B107": ("S107",),  # hardcoded_password_default
    "B108": ("S108",),  # hardcoded_tmp_directory
    "B110": ("S110",),  # try_except_pass
    "B112": ("S112",),  # try_except_continue
    "B113": ("S113",),  # request_without_timeout
    "B201": ("S201",),  # flask_debug_true
    "B202": ("S202",),  # tarfile_unsafe_members
    "B301": ("S301",),  # pickle
    "B302": ("S302",),  # marshal
    "B303": ("S303",),  # md5
    "B304": ("S304",),  # ciphers
    "B305": ("S305",),  # cipher_modes
    "B306": ("S306",),  # mktemp_q
    "B307": ("S307",),  # eval
    "B308": ("S308",),  # mark_safe
    "B310": ("S310",),  # urllib_urlopen
    "B311": ("S311",),  # random
    "B312": ("S312",),  # telnetlib
    "B313": ("S313",),  # xml_bad_cElementTree
    "B314": ("S314",),  # xml_bad_ElementTree
    "B315": ("S315",),  # xml_bad_expatreader
    "B316": ("S316",),  # xml_bad_expatbuilder
    "B317": ("S317",),  # xml_bad_sax
    "B318": ("S318",),  # xml_bad_minidom
    "B319": ("S319",),  # xml_bad_pulldom
    "B321": ("S321",),  # ftplib
    "B323": ("S323",),  # unverified_context
    "B324": ("S324",),  # hashlib_insecure_functions
    # Import-time checks: Ruff reports the call instead (its S4xx ports are preview-only).
    "B401": ("S312",),  # import_telnetlib
    "B402": ("S321",),  # import_ftplib
    "B403": ("S301",),  # import_pickle
    "B404": ("S602", "S604", "S605"),  # import_subprocess
    "B405": ("S313", "S314"),  # import_xml_etree
    "B406": ("S317",),  # import_xml_sax
    "B407": ("S315", "S316"),  # import_xml_expat
    "B408": ("S318",),  # import_xml_minidom
    "B409": ("S319",),  # import_xml_pulldom
    "B501": ("S501",),  # request_with_no_cert_validation
    "B502": ("S502",),  # ssl_with_bad_version
    "B503": ("S503",),  # ssl_with_bad_defaults
    "B504": ("S504",),  # ssl_with_no_version
    "B505": ("S505",),  # weak_cryptographic_key
    "B506": ("S506",),  # yaml_load
    "B507": ("S507",),  # ssh_no_host_key_verification
    "B508": ("S508",),  # snmp_insecure_version
    "B509": ("S509",),  # snmp_weak_cryptography
    "B601": ("S601",),  # paramiko_calls
    "B602": ("S602",),  # subprocess_popen_with_shell_equals_true
    "B603": ("S603",),  # subprocess_without_shell_equals_true
    "B604": ("S604",),  # any_other_function_with_shell_equals_true
    "B605": ("S605",),  # start_process_with_a_shell
    "B606": ("S606",),  # start_process_with_no_shell
    "B607": ("S607",),  # start_process_with_partial_path
    "B608": ("S608",),  # hardcoded_sql_expressions
    "B609": ("S609",),  # linux_commands_wildcard_injection
    "B610": ("S610",),  # django_extra_used
    "B611": ("S611",),  # django_rawsql_used
    "B612": ("S612",),  # logging_config_insecure_listen
    "B613": ("PLE2502",),  # trojansource (bidirectional-unicode)
    "B701": ("S701",),  # jinja2_autoescape_false
    "B702": ("S702",),  # use_of_mako_templates
    "B703": ("S308",),  # django_mark_safe
    "B704": ("S704",),  # markupsafe_markup_xss
    # Owned by an ml-policy rule (version 3 bundles): never in Ruff's selection, so the
    # skip always stays; a repository that turns MLS001 off has chosen not to check it.
    "B614": ("MLS001",),  # pytorch_load
    "B615": ("MLS003",),  # huggingface_unsafe_download
}


@dataclass(frozen=True)
class SkipChoice:
    """Which of a bundle's bandit skips to write, and which tests bandit must run instead."""

    skips: list[str]
    run_in_bandit: dict[str, tuple[str, ...]]  # test -> its twins, off in the repository's Ruff


def skips_for(
    bundle_skips: Sequence[str], bundle_ruff: RuffSelection, effective_ruff: RuffSelection
) -> SkipChoice:
    """The bundle's skips that still hold under the repository's effective Ruff selection.

    A skip stays when Ruff runs one of the test's twins, and when the bundle
    itself leaves every twin off (a deliberate choice that neither tool
    reports it, e.g. B311 random: sampling, not cryptography). It goes only
    where the bundle relied on Ruff and the repository's Ruff does not run
    the twin: then bandit reports it, so it is reported once, never by neither.
    """
    skips: list[str] = []
    run_in_bandit: dict[str, tuple[str, ...]] = {}
    for test in bundle_skips:
        twins = TWINS.get(test, ())
        relied_on = any(bundle_ruff.enabled(twin) for twin in twins)
        if relied_on and not any(effective_ruff.enabled(twin) for twin in twins):
            run_in_bandit[test] = twins
        else:
            skips.append(test)
    return SkipChoice(skips, run_in_bandit)
