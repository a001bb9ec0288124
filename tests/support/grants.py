"""``[[roles.grants]]`` for test settings files, written once (the role tests, the sign-in test, the rules)."""

from __future__ import annotations

from typing import Any


def grants_toml(*grants: dict[str, Any]) -> str:
    """TOML for each grant (``role`` plus ``emails``/``groups``/``contracts``/``provider``), in order."""
    blocks = []
    for grant in grants:
        lines = ["[[roles.grants]]"]
        for key, value in grant.items():
            shown = "[" + ", ".join(f'"{v}"' for v in value) + "]" if isinstance(value, list | tuple) else f'"{value}"'
            lines.append(f"{key} = {shown}")
        blocks.append("\n".join(lines))
    return "\n" + "\n".join(blocks) + "\n"


def one_person_per_role(contract: str, provider: str, *, by_group: bool = False) -> str:
    """A grant for each role: the contract manager assigned ``contract``, the provider ``provider``.

    ``by_group``: the contract managers and administrators are granted by a ``groups`` claim (as an identity
    provider sends it) rather than by e-mail address; commissioners are always a group.
    """
    manager = {"groups": ["contract-managers"]} if by_group else {"emails": ["manager@council.example"]}
    admin = {"groups": ["asc-admins"]} if by_group else {"emails": ["admin@council.example"]}
    return grants_toml(
        {"role": "committee_member", "emails": ["councillor@council.example"]},
        {"role": "contract_manager", **manager, "contracts": [contract]},
        {"role": "commissioner", "groups": ["commissioners"]},
        {"role": "data_officer", "emails": ["data@council.example"]},
        {"role": "administrator", **admin},
        {"role": "provider", "emails": ["returns@provider.example"], "provider": provider},
    )
