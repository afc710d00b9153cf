"""An evaluation in words a police officer can read, in Chinese and in English.

Every name, unit and article comes from the rule set; this module only arranges them:
"非法经营数额 ¥62,000 ≥ ¥50,000（第十三条第（一）项）：达到".
"""

from __future__ import annotations

from decimal import Decimal

from swordnet.domain.thresholds import (
    Evaluation,
    Figure,
    FigureKind,
    FigureSpec,
    LevelResult,
    LimbResult,
    LimbStatus,
    RuleSet,
)

_UNVERIFIED_ZH = "［该标准未经官方文本核对］"
_UNVERIFIED_EN = " [threshold not verified against the official text]"


def _number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def amount(spec: FigureSpec, value: Decimal, language: str) -> str:
    """A figure's value with its unit: "¥62,000", "300 件", "300 works"."""
    if spec.kind is FigureKind.AMOUNT and spec.symbol:
        return f"{spec.symbol}{_number(value)}"
    unit = spec.unit_zh if language == "zh" else spec.unit_en
    return f"{_number(value)} {unit or spec.unit}"


def _fact(value: bool, language: str) -> str:
    if language == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def _figure_line(spec: FigureSpec, figure: Figure, language: str) -> str:
    if isinstance(figure.value, bool):
        shown = _fact(figure.value, language)
    else:
        shown = amount(spec, figure.value, language)
    source = figure.source or ("来源未注明" if language == "zh" else "source not given")
    if language == "zh":
        return f"数据：{spec.zh} {shown}（来源：{source}）"
    return f"Figure: {spec.en} {shown} (source: {source})"


def _limb_line(rule_set: RuleSet, level: LevelResult, result: LimbResult, language: str) -> str:
    limb = result.limb
    spec = rule_set.figures[limb.figure]
    zh = language == "zh"
    name = spec.zh if zh else spec.en
    where = f"（{limb.provision_zh}）" if zh else f" ({limb.provision_en})"
    threshold = amount(spec, limb.threshold, language)
    conditions = ""
    if limb.requires:
        facts = "、".join(rule_set.figures[f].zh for f in limb.requires)
        facts_en = ", ".join(rule_set.figures[f].en for f in limb.requires)
        conditions = f"，且须{facts}" if zh else f", provided: {facts_en}"
    if result.status is LimbStatus.MISSING:
        missing = ("、" if zh else ", ").join(
            rule_set.figures[f].zh if zh else rule_set.figures[f].en for f in result.missing
        )
        if result.missing != (limb.figure,):
            missing = f"缺少{missing}" if zh else f"{missing} not given"
        else:
            missing = "未提供" if zh else "not given"
        line = (
            f"{name}：{missing}（{limb.provision_zh}要求 ≥ {threshold}{conditions}）"
            if zh
            else f"{name}: {missing} ({limb.provision_en} needs ≥ {threshold}{conditions})"
        )
    else:
        value = result.value
        shown = amount(spec, value, language) if value is not None else ("未提供" if zh else "—")
        partial = level.level.partial
        if result.status is LimbStatus.MET:
            line = (
                f"{name} {shown} ≥ {threshold}{conditions}{where}：达到"
                if zh
                else (f"{name} {shown} ≥ {threshold}{conditions}{where}: met")
            )
        elif result.status is LimbStatus.HALF and partial is not None:
            part = amount(spec, limb.threshold * partial.fraction, language)
            line = (
                f"{name} {shown} < {threshold}，但 ≥ {part}（标准的 {partial.fraction} 倍）{where}"
                if zh
                else f"{name} {shown} < {threshold}, but ≥ {part} ({partial.fraction} of it){where}"
            )
        elif value is not None and value >= limb.threshold:  # a required fact is false
            line = (
                f"{name} {shown} ≥ {threshold}，但前提不成立{conditions}{where}：未达到"
                if zh
                else f"{name} {shown} ≥ {threshold}, but the condition fails{conditions}"
                f"{where}: not met"
            )
        else:
            line = (
                f"{name} {shown} < {threshold}{conditions}{where}：未达到"
                if zh
                else (f"{name} {shown} < {threshold}{conditions}{where}: not met")
            )
    if not limb.verified:
        line += _UNVERIFIED_ZH if zh else _UNVERIFIED_EN
    return line


def _partial_line(level: LevelResult, language: str) -> str | None:
    partial = level.level.partial
    if partial is None:
        return None
    zh = language == "zh"
    joiner = "、" if zh else ", "
    items = joiner.join(level.partial_items) if level.partial_items else ("无" if zh else "none")
    if zh:
        line = (
            f"{partial.min_items} 项以上各达到标准 {partial.fraction} 倍以上"
            f"（{partial.provision_zh}）：达到的项 {items}，"
            + ("达到" if level.by_partial else "未达到")
        )
    else:
        line = (
            f"{partial.min_items} or more items each at {partial.fraction} of their standard "
            f"or more ({partial.provision_en}): items at it: {items}; "
            + ("met" if level.by_partial else "not met")
        )
    if not partial.verified:
        line += _UNVERIFIED_ZH if zh else _UNVERIFIED_EN
    return line


def _level_lines(rule_set: RuleSet, level: LevelResult, language: str) -> list[str]:
    zh = language == "zh"
    name = level.level.zh if zh else level.level.en
    lines = [f"【{name}】" if zh else f"[{name}]"]
    lines += [f"  {_limb_line(rule_set, level, r, language)}" for r in level.limbs]
    partial = _partial_line(level, language)
    if partial:
        lines.append(f"  {partial}")
    if level.reached:
        verdict = f"  → 达到「{name}」" if zh else f"  → {name}: reached"
    elif level.reached is None:
        deciding = ("、" if zh else ", ").join(
            rule_set.figures[f].zh if zh else rule_set.figures[f].en for f in level.deciding_figures
        )
        verdict = (
            f"  → 尚不能判断：需要{deciding}"
            if zh
            else f"  → undecided: {deciding} would decide it"
        )
    else:
        verdict = f"  → 未达到「{name}」" if zh else f"  → {name}: not reached"
    return [*lines, verdict]


def _header(evaluation: Evaluation, language: str) -> list[str]:
    rs = evaluation.rule_set
    zh = language == "zh"
    until = rs.effective_to.isoformat() if rs.effective_to else ""
    number = f"，{rs.document_number}" if zh and rs.document_number else ""
    number_en = f", {rs.document_number}" if rs.document_number else ""
    if zh:
        period = f"{rs.effective_from.isoformat()} 起" + (f"至 {until}" if until else "")
        lines = [f"规则集：{rs.title_zh}{number}，{rs.legal_basis}（{rs.id}；{period}）"]
        lines.append(f"罪名：{rs.offence_zh}")
        if evaluation.conduct_date:
            lines.append(f"行为日期：{evaluation.conduct_date.isoformat()}")
    else:
        period = f"in force from {rs.effective_from.isoformat()}" + (
            f" to {until}" if until else ""
        )
        lines = [f"Rule set: {rs.title_en}{number_en}, {rs.legal_basis} ({rs.id}; {period})"]
        lines.append(f"Offence: {rs.offence_en}")
        if evaluation.conduct_date:
            lines.append(f"Date of conduct: {evaluation.conduct_date.isoformat()}")
    return lines


def _conclusion(evaluation: Evaluation, language: str) -> list[str]:
    rs = evaluation.rule_set
    zh = language == "zh"
    reached = evaluation.reached
    lines = []
    if reached is not None:
        name = reached.level.zh if zh else reached.level.en
        how = (
            (
                f"（{reached.level.partial.provision_zh}）"
                if zh
                else f" ({reached.level.partial.provision_en})"
            )
            if reached.by_partial and reached.level.partial
            else ""
        )
        consequence = reached.level.consequence_zh if zh else reached.level.consequence_en
        if zh:
            lines.append(f"结论：达到「{name}」{how}" + (f"：{consequence}" if consequence else ""))
        else:
            lines.append(f"Conclusion: {name}{how}" + (f": {consequence}" if consequence else ""))
    else:
        lines.append(
            "结论：所列数据未达到本规则集的任何标准"
            if zh
            else "Conclusion: the figures given reach no level of this rule set"
        )
    for level in evaluation.undecided:
        deciding = ("、" if zh else ", ").join(
            rs.figures[f].zh if zh else rs.figures[f].en for f in level.deciding_figures
        )
        name = level.level.zh if zh else level.level.en
        lines.append(
            f"尚缺数据：{deciding}可能决定是否达到「{name}」"
            if zh
            else f"Missing: {deciding} could decide whether it is {name}"
        )
    if evaluation.unverified:
        lines.append(
            "注意：该结论所依据的标准未经官方文本核对，移送前请核对原文。"
            if zh
            else "Caution: the thresholds this conclusion rests on are not verified against "
            "the official text; check the text before any referral."
        )
    for later in evaluation.later:
        since = later.effective_from.isoformat()
        lines.append(
            f"注意：之后生效的规则集 {later.id}（{since} 起）；"
            "现在处理的案件请一并评估，确定适用哪一个。"
            if zh
            else f"Note: rule set {later.id} took effect later ({since}); "
            "for a case decided now, evaluate it too and settle which applies."
        )
    if evaluation.unused_figures:
        names = ", ".join(evaluation.unused_figures)
        lines.append(
            f"本规则集不读取的数据：{names}"
            if zh
            else f"Figures this rule set does not read: {names}"
        )
    return lines


def explain(evaluation: Evaluation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The evaluation as lines in Chinese and in English."""
    rs = evaluation.rule_set
    out: dict[str, list[str]] = {}
    for language in ("zh", "en"):
        lines = _header(evaluation, language)
        lines += [_figure_line(rs.figures[f.name], f, language) for f in evaluation.figures]
        for level in evaluation.levels:
            lines += _level_lines(rs, level, language)
        lines += _conclusion(evaluation, language)
        out[language] = lines
    return tuple(out["zh"]), tuple(out["en"])
