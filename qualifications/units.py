"""What a qualification is made of: its units in ordered groups, each group's rule of combination
in plain words, whether a structure can be met at all (`structure_problems`, the one validation
the admin, the importer and the service share) and whether a choice of units meets it
(`evaluate`, the checker's answer)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .models import GroupRule

# Units a checker's answer reads at most: more is no real choice.
MAX_CHOSEN = 200


def _plural(number, word):
    return f"{number} {word}{'' if number == 1 else 's'}"


@dataclass
class Group:
    """A group of a qualification's structure, as its rule reads and its units in order."""

    name: str
    rule: str = GroupRule.ALL
    minimum: int | None = None
    maximum: int | None = None
    units: list = field(default_factory=list)  # of Unit (or anything with address and credits)

    @property
    def label(self):
        return f"group {self.name}"

    @property
    def credits(self):
        return sum(unit.credits for unit in self.units)

    @property
    def guided_learning_hours(self):
        return sum(unit.guided_learning_hours or 0 for unit in self.units)

    @property
    def is_mandatory(self):
        return self.rule == GroupRule.ALL

    @property
    def rule_text(self):
        """The rule in plain words: "all units in this group, 12 credits", "at least 6 credits
        from this group"."""
        if self.rule == GroupRule.ALL:
            return f"all units in this group, {_plural(self.credits, 'credit')}"
        word = "credit" if self.rule == GroupRule.CREDITS else "unit"
        low, high = self.minimum or 0, self.maximum
        if high is None:
            return f"at least {_plural(low, word)} from this group"
        if low == high:
            return f"exactly {_plural(low, word)} from this group"
        if not low:
            return f"at most {_plural(high, word)} from this group"
        return f"at least {low} and at most {_plural(high, word)} from this group"


@dataclass
class Structure:
    """A qualification's groups, in order, and its total credits (the Register's figure)."""

    groups: list
    total_credits: int | None = None

    @classmethod
    def of(cls, qualification):
        """The structure of `qualification`, from its `unit_memberships` (fetched with the
        group and unit, as for_detail_page() does)."""
        groups = {}
        memberships = sorted(
            qualification.unit_memberships.all(),
            key=lambda m: (m.group.order, m.group.pk, m.order, m.pk),
        )
        for membership in memberships:
            group = membership.group
            if group.pk not in groups:
                groups[group.pk] = Group(group.name, group.rule, group.minimum, group.maximum)
            groups[group.pk].units.append(membership.unit)
        return cls(list(groups.values()), qualification.credits)

    def __bool__(self):
        return bool(self.groups)

    @property
    def units(self):
        return [unit for group in self.groups for unit in group.units]


def structure_problems(structure):
    """Why no choice of units could meet every rule of `structure` and its total, as a list of
    messages, each naming the group it is about; empty when it can be met."""
    problems, seen = [], {}
    for group in structure.groups:
        for unit in group.units:
            if unit.address in seen:
                problems.append(
                    f"{unit.address} is twice in the qualification ({seen[unit.address].label} "
                    f"and {group.label}): a unit may be in one group only, once."
                )
            seen[unit.address] = group
    for group in structure.groups:
        problems += _group_problems(group)
    if problems or structure.total_credits is None or not structure.groups:
        return problems
    total = structure.total_credits
    mandatory = sum(group.credits for group in structure.groups if group.is_mandatory)
    if mandatory > total:
        problems.append(
            f"The mandatory units alone give {_plural(mandatory, 'credit')}, more than the "
            f"qualification's total of {total}."
        )
    everything = sum(_most_credits(group) for group in structure.groups)
    if everything < total:
        problems.append(
            f"Every unit the groups allow together gives {_plural(everything, 'credit')}, fewer "
            f"than the qualification's total of {total}."
        )
    return problems


def validate_structure(structure):
    """Raise ValidationError with structure_problems(), if any."""
    if problems := structure_problems(structure):
        raise ValidationError(problems)


def _group_problems(group):
    name = f"Group {group.name}"
    if not group.units:
        return [f"{name} has no units."]
    if group.rule == GroupRule.ALL:
        if group.minimum is not None or group.maximum is not None:
            return [f"{name} takes all its units: leave its minimum and maximum empty."]
        return []
    word = "credit" if group.rule == GroupRule.CREDITS else "unit"
    if group.minimum is None:
        return [f"{name} needs the least number of {word}s a learner takes from it."]
    if group.maximum is not None and group.maximum < group.minimum:
        return [f"{name} asks for at most {group.maximum} but at least {group.minimum}."]
    held = group.credits if group.rule == GroupRule.CREDITS else len(group.units)
    if group.minimum > held:
        return [
            f"{name} asks for at least {_plural(group.minimum, word)} but holds "
            f"{_plural(held, word)}."
        ]
    if (
        group.rule == GroupRule.CREDITS
        and group.maximum is not None
        and not any(group.minimum <= total <= group.maximum for total in _credit_sums(group))
    ):
        return [
            f"{name}: no choice of its units gives from {group.minimum} to "
            f"{_plural(group.maximum, 'credit')}."
        ]
    return []


def _credit_sums(group):
    # Every total of credits some choice of the group's units gives.
    sums = 1
    for unit in group.units:
        sums |= sums << unit.credits
    return [total for total in range(sums.bit_length()) if sums >> total & 1]


def _most_credits(group):
    # The most credits a choice may take from the group.
    if group.rule == GroupRule.ALL or group.maximum is None:
        return group.credits
    if group.rule == GroupRule.UNITS:
        best = sorted((unit.credits for unit in group.units), reverse=True)
        return sum(best[: group.maximum])
    return max(total for total in _credit_sums(group) if total <= group.maximum)


# THE CHECKER


@dataclass
class GroupAnswer:
    group: Group
    chosen: list  # of units chosen from it
    shortfalls: list  # of messages; empty when its rule is met

    @property
    def credits(self):
        return sum(unit.credits for unit in self.chosen)


@dataclass
class Answer:
    """Whether a choice of units meets a structure, and why not."""

    groups: list  # of GroupAnswer
    unknown: list  # of what was asked for that is not a unit of the qualification
    credits: int
    guided_learning_hours: int
    total_shortfall: str = ""

    @property
    def meets(self):
        return (
            not self.unknown
            and not self.total_shortfall
            and all(not answer.shortfalls for answer in self.groups)
        )

    @property
    def reasons(self):
        reasons = [f"{address} is not in this qualification." for address in self.unknown]
        reasons += [reason for answer in self.groups for reason in answer.shortfalls]
        return reasons + ([self.total_shortfall] if self.total_shortfall else [])


def evaluate(structure, addresses):
    """The Answer for choosing the units at `addresses` (a repeat counts once)."""
    wanted = list(dict.fromkeys(address.strip() for address in addresses if address.strip()))
    by_address = {unit.address: unit for unit in structure.units}
    unknown = [address for address in wanted if address not in by_address]
    chosen = {address for address in wanted if address in by_address}
    answers = [_group_answer(group, chosen) for group in structure.groups]
    units = [by_address[address] for address in by_address if address in chosen]
    credits = sum(unit.credits for unit in units)
    shortfall = ""
    if structure.total_credits is not None and credits < structure.total_credits:
        missing = structure.total_credits - credits
        shortfall = (
            f"{_plural(missing, 'more credit')} in all: the qualification needs "
            f"{structure.total_credits}."
        )
    return Answer(
        answers,
        unknown,
        credits,
        sum(unit.guided_learning_hours or 0 for unit in units),
        shortfall,
    )


def _group_answer(group, chosen):
    picked = [unit for unit in group.units if unit.address in chosen]
    answer = GroupAnswer(group, picked, [])
    if group.rule == GroupRule.ALL:
        missing = [unit.address for unit in group.units if unit.address not in chosen]
        if missing:
            answer.shortfalls.append(
                f"{_plural(len(missing), 'more unit')} from {group.label}, which are all needed: "
                f"{', '.join(missing)}."
            )
        return answer
    word = "credit" if group.rule == GroupRule.CREDITS else "unit"
    amount = answer.credits if group.rule == GroupRule.CREDITS else len(picked)
    if group.minimum is not None and amount < group.minimum:
        missing = _plural(group.minimum - amount, "more " + word)
        answer.shortfalls.append(f"{missing} from {group.label}.")
    if group.maximum is not None and amount > group.maximum:
        answer.shortfalls.append(
            f"{_plural(amount - group.maximum, word)} too many from {group.label} (at most "
            f"{group.maximum})."
        )
    return answer
