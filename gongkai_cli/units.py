"""The unit directory: names, aliases, groups, and "what is this unit responsible for"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .errors import UsageError
from .model import Group, Plan, Task, Unit
from .text import normalize, suggest

DIRECT = "direct"  # the row names the unit (or the group asked about) itself
GROUP = "group"  # the row names a group the unit is a member of
POSSIBLE = "possible"  # the row names an open-ended phrase the unit may fall under

RELATION_LABELS = {DIRECT: "直接", GROUP: "经由统称", POSSIBLE: "可能相关"}


def explicit_names(thing: Unit | Group) -> list[str]:
    """The normalised name and the aliases written in the plan."""
    keys = [normalize(thing.name), *(normalize(a) for a in thing.aliases)]
    if isinstance(thing, Unit) and thing.full_name:
        keys.append(normalize(thing.full_name))
    return list(dict.fromkeys(k for k in keys if k))


def derived_aliases(unit: Unit) -> list[str]:
    """Short forms people type: 教体局 for 区教体局, 长沟 for 长沟镇, 廿里铺 for 廿里铺街道."""
    out: list[str] = []
    for name in (unit.name, *unit.aliases):
        key = normalize(name)
        if key.startswith("区") and len(key) > 2:
            out.append(key[1:])
        for suffix in ("街道办事处", "街道", "镇人民政府", "镇"):
            if unit.kind in ("town", "subdistrict") and key.endswith(suffix) and len(key) > len(suffix) + 1:
                out.append(key[: -len(suffix)])
                break
    return out


# Commas separate names in ``--unit 长沟镇,喻屯镇``; 、 does not, because names and aliases contain it
# (区政府各部门、直属事业单位), and neither does a comma inside parentheses.
_NAME_SEPARATOR = re.compile(r"[,，](?![^(（]*[)）])")


def split_names(values: str | Iterable[str] | None) -> list[str]:
    """``["长沟镇,喻屯镇", "区教体局"]`` -> ``["长沟镇", "喻屯镇", "区教体局"]``: each name once, in order."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    names = (piece.strip() for value in values for piece in _NAME_SEPARATOR.split(value))
    return list(dict.fromkeys(name for name in names if name))


class Relation(NamedTuple):
    """Why a row is on a unit's list."""

    kind: str  # DIRECT / GROUP / POSSIBLE
    via: str | None  # the group phrase that brought it, if any

    @property
    def label(self) -> str:
        if self.via:
            return f"{RELATION_LABELS[self.kind]}：{self.via}"
        return RELATION_LABELS[self.kind]


class Directory:
    """Name lookup and group membership for one plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.units = {u.name: u for u in plan.units}
        self.groups = {g.name: g for g in plan.groups}
        self._by_key: dict[str, str] = {}
        things: list[Unit | Group] = [*plan.units, *plan.groups]
        for thing in things:
            for key in explicit_names(thing):
                self._by_key.setdefault(key, thing.name)
        ambiguous: set[str] = set()
        derived: dict[str, str] = {}
        for unit in plan.units:
            for key in derived_aliases(unit):
                if key in self._by_key:
                    continue
                if derived.setdefault(key, unit.name) != unit.name:
                    ambiguous.add(key)
        for key, name in derived.items():
            if key not in ambiguous:
                self._by_key[key] = name
        self.responsible_cache: dict[int, tuple[str, ...]] = {}  # task id -> units (queries.py)
        self._member_of: dict[str, list[Group]] = {}
        for group in plan.groups:
            for member in group.members:
                self._member_of.setdefault(member, []).append(group)

    def names(self) -> list[str]:
        return [*self.units, *self.groups]

    def lookup_keys(self) -> dict[str, str]:
        """Every key ``resolve`` accepts (normalised names and aliases) -> the unit or group's name."""
        return dict(self._by_key)

    def resolve(self, text: str) -> Unit | Group:
        """A typed unit or group name (or alias) -> the unit or group; UsageError with suggestions."""
        key = normalize(text)
        name = self._by_key.get(key)
        if name is None:
            hint = suggest(text, [*self.names(), *self._aliases_for_hints()])
            hint = list(dict.fromkeys(self._by_key.get(normalize(h), h) for h in hint))
            tip = f"，是否想找：{'、'.join(hint)}" if hint else ""
            raise UsageError(
                f"未知单位：{text!r}{tip}"
                "（gongkai units 列出全部单位；名录中没有的单位可加到计划文件的 units 里）"
            )
        return self.units.get(name) or self.groups[name]

    def _aliases_for_hints(self) -> list[str]:
        return [k for k in self._by_key if k not in self.units and k not in self.groups]

    def groups_of(self, unit_name: str) -> list[Group]:
        """The groups that list the unit as a member."""
        return list(self._member_of.get(unit_name, []))

    def relation(self, who: Unit | Group, task: Task) -> Relation | None:
        """Why ``task`` is on ``who``'s list, or None when it is not."""
        if who.name in task.units:
            return Relation(DIRECT, None)
        if isinstance(who, Group):
            return None
        member_of = {g.name for g in self.groups_of(who.name)}
        possible: str | None = None
        for written in task.units:
            group = self.groups.get(written)
            if group is None:
                continue
            if group.definite and written in member_of:
                return Relation(GROUP, written)
            if possible is None and not group.definite and self._may_fall_under(who, group, member_of):
                possible = written
        return Relation(POSSIBLE, possible) if possible else None

    def may_claim(self, unit: Unit, group: Group) -> bool:
        """Whether ``unit`` may claim a row under ``group``: an open-ended phrase (or one whose
        members are unknown) the unit may fall under, as "possibly relevant" says."""
        if group.definite:
            return False
        return self._may_fall_under(unit, group, {g.name for g in self.groups_of(unit.name)})

    def _may_fall_under(self, unit: Unit, group: Group, member_of: set[str]) -> bool:
        if unit.name in group.members:  # listed, but the group is open-ended
            return True
        return any(w == unit.name or w in member_of for w in group.within)

    def expand(self, task: Task) -> list[tuple[str, Group | None]]:
        """Each name the row writes, with its group when it is one."""
        return [(name, self.groups.get(name)) for name in task.units]
