"""Build the searchable passages from the KB (every text is taken from the data).

Passage ids (ASCII, stable; the benchmark and the bot refer to them):
  {item_id}.{jieyang|beijing|hunan}.{materials|deadline|channels|eligibility|requirements|deregistration}
  link.{item_id}.{region}      diff.{item_id}      diff.{difference_id}
  bundle.{bundle_id}.overview  bundle.{bundle_id}.common_materials
  service.{service_id}         form.{section_id}   how-to ids from howto.yml
Topics: materials, deadline, channels, eligibility, requirements, deregistration,
link, difference, overview, service, service_311, form, login, apply, upload,
progress, submit.
"""
from __future__ import annotations

from . import phrases
from .models import Passage

REGION_CODE = {"揭阳": "jieyang", "北京": "beijing", "湖南": "hunan"}
# materials without a list: the guide's own words, or that the guide is silent
STATUS_TEXT = {
    "none_required": phrases.NONE_REQUIRED,
    "not_stated": phrases.not_stated("materials", consult=False),
}


def _materials_summary(p) -> str:
    if p.materials:
        return "；".join(m.text for m in p.materials)
    if p.materials_text:
        return " ".join(p.materials_text.split())
    return STATUS_TEXT.get(p.materials_status) or phrases.not_stated("materials", consult=False)


def _materials_lines(materials) -> list[str]:
    return [f"{n}. {m.text}" for n, m in enumerate(materials, 1)]


def _deadline_sentence(dl) -> str:
    if dl is None:
        return ""
    # only the guide's words: the text, then its parts (phases, extension, condition)
    parts = [f"办理时限：{dl.text.rstrip('。')}。"]
    for ph in dl.phases:
        s = f"{ph.label}：{ph.text}"
        if ph.extension_text:
            s += f"，{ph.extension_text}"
        parts.append(s + "。")
    if dl.extension_text and not dl.phases:
        parts.append(f"延长：{dl.extension_text}。")
    if dl.condition:
        parts.append(f"前提：{dl.condition}。")
    if dl.starts:
        parts.append(f"起算：{dl.starts}。")
    return "".join(parts)


def _channels_sentence(kb, item, prov) -> str:
    parts = []
    if prov.agency:
        parts.append(f"{prov.agency_label or '受理机构'}：{prov.agency}。")
    off = [c for c in prov.channels if c.kind == "offline"]
    on = [c for c in prov.channels if c.kind == "online"]
    if off:
        parts.append("线下：" + "；".join(c.name for c in off) + "。")
    if on:
        parts.append("线上：" + "；".join(c.name + (f"（网址：{c.url}）" if c.url else "") for c in on) + "。")
    if prov.external_system:
        es = prov.external_system
        parts.append(f"需对接{es.name or '系统'}办理，网址：{es.url}，{es.instruction or '按系统提示提交'}。")
    bundle = kb.bundle(item.bundle_id)
    if prov.region == "揭阳" and prov.source.guide_id == bundle.source.guide_id:
        parts.append(f"办理方法：在“揭阳人社”微信公众号“智慧人社”首页点击打包“一件事”→选择{bundle.name}→"
                     f"勾选“{item.name}”→补充页面信息并点击“提交采集信息”→点击“照相机”按钮上传材料→点击“下一步”完成办理。")
    if prov.region == "北京":
        parts.append(f"办理方法：登录北京市统一身份认证平台，阅读“用户通知”和承诺书后进入失业“一件事”申请页面，选择“{item.name}”。")
    if prov.note:
        parts.append(prov.note)
    return "".join(parts)


def item_passages(kb, item) -> list[Passage]:
    out = []
    bundle = kb.bundle(item.bundle_id)
    for prov in item.provisions:
        rc = REGION_CODE[prov.region]
        base = f"{item.id}.{rc}"
        src = prov.source
        region_label = f"（{prov.region}）"

        def add(topic: str, title: str, text: str) -> None:
            out.append(Passage(id=f"{base}.{topic}", title=f"{item.name}：{title}{region_label}", text=text,
                               source=src, item_id=item.id, topic=topic, region=prov.region,
                               bundle_id=item.bundle_id))

        # materials
        lines = [f"{src}：{item.name}的办理材料。"]
        if prov.materials_status in ("listed", "none_required", "external_system") and prov.common_materials:
            lines.append(f"共性材料（{bundle.name}各事项共用，只需提供1份）：" +
                         "；".join(m.text for m in prov.common_materials) + "。")
        if prov.materials_status == "listed":
            label = "其他材料：" if prov.common_materials else "受理材料："
            lines.append(label + " ".join(_materials_lines(prov.other_materials)))
            conds = [m for m in prov.other_materials if m.condition]
            for m in conds:
                lines.append(f"（{m.condition}才需要：{m.name}）")
        elif prov.materials_status == "external_system":
            lines.append(f"其他材料：{prov.materials_text}")
        elif prov.materials_status == "provided_by_authority":
            lines.append(f"申请人无需提供材料：{prov.materials_text}。")
        elif prov.materials_status == "none_required":
            lines.append(f"其他材料：{prov.materials_text or phrases.NONE_REQUIRED}。")
        else:
            lines.append(f"{phrases.not_stated('materials', consult=False)}。")
        add("materials", "办理材料", "\n".join(lines))

        # deadline
        if prov.deadline is not None:
            text = f"{src}：{item.name}的{_deadline_sentence(prov.deadline)}"
        else:
            text = f"{src}未列明{item.name}的办理时限"
            if prov.note and phrases.AWAIT_REVIEW in prov.note:
                text += f"（说明书写明：点击提交后{phrases.AWAIT_REVIEW}）"
            text += "。"
        add("deadline", "办理时限", text)

        # channels / agency / external system
        add("channels", "在哪里办、怎么办", f"{src}：{item.name}。" + _channels_sentence(kb, item, prov))

        if prov.eligibility is not None:
            e = prov.eligibility
            text = f"{src}：{item.name}的受理对象（谁可以办）：{e.text}"
            if e.age_min is not None:
                incl = "（含）" if e.age_min_inclusive else ""
                text += f"。年龄：年满{e.age_min}周岁{incl}至{e.age_max_text}。"
            add("eligibility", "谁可以办", text)

        if prov.requirements:
            lines = [f"{src}：{item.name}的服务要求（经办机构应当遵守）："]
            for r in prov.requirements:
                lines.append(f"{r.number}{r.text}")
            add("requirements", "服务要求", "\n".join(lines))

        if prov.cases:
            svc = kb.services.get(prov.service_id) if prov.service_id else None
            lines = [f"{src}：{svc.content if svc and svc.content else '出现下列情形之一的，注销：'}"]
            lines.append("；".join(f"{c.number}.{c.text}" for c in prov.cases) + "。")
            if svc:
                lines += [f"{r.number}{r.text}" for r in svc.requirements]
            add("deregistration", "注销情形", "\n".join(lines))
    return out


def link_passages(kb) -> list[Passage]:
    out = []
    for r in kb.link_rules:
        item = kb.item(r.item_id)
        names = "、".join(kb.item(x).name for x in r.requires)
        out.append(Passage(
            id=f"link.{r.item_id}.{REGION_CODE[r.region]}", title=f"{item.name}联办{names}（{r.region}）",
            text=f"{r.source}：“{r.quote}”选择{item.name}时，{names}会自动勾选联办。", source=r.source,
            item_id=r.item_id, topic="link", region=r.region, bundle_id=item.bundle_id))
    return out


def difference_passages(kb) -> list[Passage]:
    out = []
    for item in kb.items.values():
        if len(item.provisions) < 2:
            continue
        lines = [f"{item.name}在不同地区的规定不同，请以您办理地的规定为准："]
        for p in item.provisions:
            mats = _materials_summary(p)
            dl = p.deadline.text if p.deadline else phrases.not_stated("deadline", consult=False)
            lines.append(f"{p.source}（{p.region}）：材料：{mats}；办理时限：{dl}。")
        out.append(Passage(id=f"diff.{item.id}", title=f"{item.name}：各地区规定的区别", text="\n".join(lines),
                           source=item.provisions[0].source, item_id=item.id, topic="difference",
                           region=None, bundle_id=item.bundle_id))
    for d in kb.differences:
        out.append(Passage(id=f"diff.{d.id}", title=d.title, text=d.text, source=d.sources[0], item_id=None,
                           topic="difference", region=d.sources[0].region))
    return out


def bundle_passages(kb) -> list[Passage]:
    out = []
    for b in kb.bundles.values():
        table = [kb.item(i) for i in b.item_ids if kb.item(i).kind == "bundle_item"]
        single = [kb.item(i) for i in b.item_ids if kb.item(i).kind == "single_item"]
        lines = [b.description, f"{b.name}包含的事项：" + " ".join(f"{i.seq}.{i.name}" for i in table)]
        if single:
            lines.append("北京市《失业“一件事”服务操作说明书》的单办事项：" + "、".join(i.name for i in single) + "。")
        lines.append(b.summary)
        out.append(Passage(id=f"bundle.{b.id}.overview", title=f"{b.name}包含哪些事项", text="\n".join(lines),
                           source=b.source, item_id=None, topic="overview", region=b.region, bundle_id=b.id))
        out.append(Passage(
            id=f"bundle.{b.id}.common_materials", title=f"{b.name}的共性材料",
            text=f"{b.name}的共性材料（不同事项的共性材料只需提供1份）：" + "；".join(m.text for m in b.common_materials) + "。",
            source=b.common_materials_source, item_id=None, topic="materials", region=b.region, bundle_id=b.id))
    return out


def service_passages(kb) -> list[Passage]:
    out = []
    for s in kb.services.values():
        if s.item_id is not None:
            continue   # its facts are in the item's 湖南 passages
        lines = [f"{s.source}第{s.number}条 {s.name}。"]
        if s.agency:
            lines.append(f"{s.agency_label}：{s.agency}。")
        if s.eligibility:
            lines.append(f"{s.target_label}：{s.eligibility.text}。")
        if s.channels_text:
            lines.append(f"受理渠道：{s.channels_text}")
        if s.materials_text:
            lines.append(f"受理材料：{s.materials_text}")
        if s.deadline:
            lines.append(f"办结时限：{s.deadline.text}。")
        if s.content:
            lines.append(f"服务内容：{s.content}")
        if s.cases:
            lines.append("；".join(f"{c.number}.{c.text}" for c in s.cases) + "。")
        if s.external_system:
            lines.append(f"系统网址：{s.external_system.url}")
        for r in s.requirements:
            lines.append(f"{r.number}{r.text}")
        topic = "service_311" if s.id == "service_311" else ("deregistration" if s.cases else "service")
        out.append(Passage(id=f"service.{s.id}", title=f"{s.name}（湖南）", text="\n".join(lines), source=s.source,
                           item_id=None, topic=topic, region="湖南"))
    return out


def _field_line(f) -> str:
    s = f.label
    flags = ["必填" if f.required else "选填"]
    if f.display_only:
        flags = ["系统显示，供确认"]
    if f.auto_from:
        flags.append("自动带出" if not f.auto_from.isascii() else "由身份证号自动带出")
    s += f"（{'，'.join(flags)}）"
    if f.choices:
        s += "，可选：" + "、".join(f.choices) + ("等" if f.choices_open else "")
    if f.choices_by:
        groups: dict[tuple, list] = {}
        for k, v in f.choices_by.items():
            groups.setdefault(v, []).append(k)
        s += "，" + "；".join(f"{f.depends_on and '、'.join(ks)}→{'、'.join(v)}" for v, ks in groups.items())
    if f.show_if:
        s += "（勾选“户籍地与常住地不一致”后出现）" if f.show_if.field == "residence_differs" else f"（{f.show_if.field}为{f.show_if.equals}时填写）"
    if f.confirm_of:
        s += "（再次输入以确认）"
    if f.note:
        s += f"。{f.note}"
    return s


def form_passages(kb) -> list[Passage]:
    out = []
    for sec in kb.forms:
        if sec.item_ids == ["all"]:
            item_id = None
        else:
            item_id = sec.item_ids[0]
        head = f"{sec.source}：{sec.title}需要填写：" if not sec.derived else \
            f"{sec.title}（指引未给出表单，仅依据{sec.source}的材料要求整理）："
        lines = [head] + [f"{n}. {_field_line(f)}" for n, f in enumerate(sec.fields, 1)]
        if sec.note and not sec.derived:
            lines.append(sec.note)
        out.append(Passage(id=f"form.{sec.id}", title=f"{sec.title}：填写哪些信息", text="\n".join(lines),
                           source=sec.source, item_id=item_id, topic="form", region=sec.source.region,
                           bundle_id=kb.item(item_id).bundle_id if item_id else None))
    return out


def build_passages(kb) -> list[Passage]:
    out: list[Passage] = []
    for item in kb.items.values():
        out += item_passages(kb, item)
    out += link_passages(kb)
    out += difference_passages(kb)
    out += bundle_passages(kb)
    out += service_passages(kb)
    out += form_passages(kb)
    out += list(kb.howto)
    ids = [p.id for p in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:  # pragma: no cover - programming error
        raise ValueError(f"duplicate passage ids: {sorted(dup)}")
    return out
