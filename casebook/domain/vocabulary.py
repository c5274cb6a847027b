"""One vocabulary: every code the product records, with its Chinese label, in one place.

Schemas validate against these codes, documents and pages print these labels, services record the codes.
A label that a law fixes is written as the law writes it (行政处罚法 第四十六条: “当事人的陈述”).
"""

from __future__ import annotations

# --- stages of a case ------------------------------------------------------------------------------
STAGES: dict[str, str] = {
    "lead": "案源登记",
    "filed": "已立案",
    "declined": "不予立案",
    "investigating": "调查取证",
    "investigation_closed": "调查终结",
    "prior_notice": "已告知",
    "hearing": "听证",
    "decided": "已决定",
    "served": "已送达",
    "executing": "执行中",
    "closed": "已结案",
    "archived": "已归档",
    "suspended": "已中止",
    "terminated": "已终止",
}
OPEN_STAGES = ("filed", "investigating", "investigation_closed", "prior_notice", "hearing", "decided", "served",
               "executing")
FINAL_STAGES = ("declined", "closed", "archived", "terminated")

PROCEDURES = {"ordinary": "普通程序", "summary": "简易程序"}

# --- people ----------------------------------------------------------------------------------------
ROLES = ("officer", "legal_reviewer", "agency_head", "supervisor", "admin")
ROLE_LABELS = {"officer": "执法人员", "legal_reviewer": "法制审核人员", "agency_head": "负责人", "supervisor": "监督人员",
               "admin": "管理员"}

# --- leads -----------------------------------------------------------------------------------------
CASE_SOURCES = {
    "complaint": "投诉举报",
    "inspection": "监督检查",
    "random_inspection": "双随机抽查",
    "assigned": "上级交办",
    "transferred": "部门移送",
    "media": "媒体曝光",
    "other": "其他",
}
#: How a document tells where the lead came from (调查终结报告, 立案审批表).
SOURCE_PHRASES = {
    "complaint": "接到投诉举报，",
    "inspection": "在监督检查中",
    "random_inspection": "在“双随机、一公开”抽查中",
    "assigned": "根据上级机关交办，",
    "transferred": "根据有关部门移送的线索，",
    "media": "根据媒体曝光的线索，",
    "other": "",
}
#: 市场监督管理行政处罚程序规定 第二十条; 行政处罚法 第三十三条、第三十六条.
DECLINE_GROUNDS = {
    "minor_and_corrected": "违法行为轻微并及时改正，没有造成危害后果",
    "first_offence": "初次违法且危害后果轻微并及时改正",
    "no_fault": "当事人有证据足以证明没有主观过错",
    "no_violation": "违法事实不能成立",
    "out_of_jurisdiction": "不属于本部门管辖",
    "time_barred": "违法行为已超过追责时效",
    "other": "",
}

# --- investigation ---------------------------------------------------------------------------------
#: 行政处罚法 第五十五条、第五十六条: the investigation acts an officer records.
INVESTIGATION_ACT_KINDS = {
    "on_site_inspection": "现场检查",
    "inquiry": "询问",
    "sampling": "抽样取证",
    "evidence_preservation": "先行登记保存证据",
    "seizure": "查封、扣押",
    "inspection_survey": "勘验",
    "other": "调查",
}
#: 行政处罚法 第四十六条: the eight kinds of evidence, worded as the article words them.
EVIDENCE_KINDS = {
    "documentary": "书证",
    "physical": "物证",
    "audio_visual": "视听资料",
    "electronic_data": "电子数据",
    "witness_testimony": "证人证言",
    "party_statement": "当事人的陈述",
    "expert_opinion": "鉴定意见",
    "inspection_record": "勘验笔录、现场笔录",
}

# --- decisions -------------------------------------------------------------------------------------
#: 行政处罚法 第九条
PENALTY_KINDS: dict[str, str] = {
    "warning": "警告",
    "circulated_criticism": "通报批评",
    "fine": "罚款",
    "confiscate_gains": "没收违法所得",
    "confiscate_property": "没收非法财物",
    "suspend_license": "暂扣许可证件",
    "lower_qualification": "降低资质等级",
    "revoke_license": "吊销许可证件",
    "restrict_operations": "限制开展生产经营活动",
    "suspend_operations": "责令停产停业",
    "order_closure": "责令关闭",
    "restrict_practice": "限制从业",
    "detention": "行政拘留",
}
DECISION_KINDS = {"penalty": "给予行政处罚", "no_penalty": "不予行政处罚", "refer": "移送司法机关"}
#: 行政裁量权基准 tiers.
DISCRETION_TIERS = {
    "none": "不予处罚",
    "mitigated": "减轻处罚",
    "lenient": "从轻处罚",
    "standard": "一般处罚",
    "severe": "从重处罚",
}

# --- service of documents (民事诉讼法 第八十七条起, by 行政处罚法 第六十一条) ---------------------------------
SERVICE_METHODS = {
    "direct": "直接送达",
    "left_at_premises": "留置送达",
    "electronic": "电子送达",
    "post": "邮寄送达",
    "entrusted": "委托送达",
    "forwarded": "转交送达",
    "announcement": "公告送达",
}

# --- documents -------------------------------------------------------------------------------------
#: 保管期限 of a case file (文书档案保管期限).
RETENTIONS = ("永久", "长期", "短期", "定期30年", "定期10年")
DOCUMENT_STATUSES = {"requested": "排队等待生成", "rendered": "已生成", "failed": "生成失败", "voided": "已作废"}


# --- publicity (公示) --------------------------------------------------------------------------------
PUBLICATION_STATUSES = {"draft": "待公示", "published": "公示中", "withdrawn": "已撤回", "expired": "公示期满",
                        "removed": "已提前停止公示", "excluded": "不予公开", "not_published": "依规定不公示"}
EXCLUSION_REASONS = {
    # 政府信息公开条例 第十四条 (国家秘密), 第十五条 (商业秘密、个人隐私)
    "state_secret": "涉及国家秘密", "trade_secret": "涉及商业秘密", "privacy": "涉及个人隐私",
}
REMEDY_KINDS = {"reconsideration": "行政复议", "litigation": "行政诉讼"}
#: What the party did, as a sentence says it (当事人于……申请行政复议 / 提起行政诉讼).
REMEDY_FILING = {"reconsideration": "申请行政复议", "litigation": "提起行政诉讼"}
REMEDY_OUTCOMES = {"upheld": "维持", "revoked": "撤销", "changed": "变更", "confirmed_unlawful": "确认违法",
                   "confirmed_void": "确认无效", "redo": "责令重新作出"}
#: How a 复议 or 诉讼 ended (record_remedy_concluded, 行政处罚法 第七十三条): its outcomes on the decision, or that it
#: ended without one — the application or the suit dismissed (驳回), withdrawn (撤回申请、撤诉), or otherwise ended.
REMEDY_CONCLUSIONS = {**REMEDY_OUTCOMES, "dismissed": "驳回", "withdrawn": "撤回申请或者撤诉", "other": "其他方式终结"}


# --- the 办案记录 (trail) ------------------------------------------------------------------------------
#: What a case's trail records besides its acts (whose labels are their declarations', services.acts): what the
#: system does on its own (the rule checks, the deadlines, the publicity workflow) and what other services record on
#: the case. The 办案记录 and the 评查 page show these in place of the codes; every action recorded on a case has
#: one (tests/unit/test_page_wording.py reads the recording calls of the code to hold this).
TRAIL_ACTIONS = {
    # services.rules: what the rule checks raise on the case (行刑衔接; 重大执法决定法制审核)
    "case.suggest_referral": "系统提示：涉嫌犯罪，应当考虑移送",
    "case.require_legal_review": "系统提示：属于重大执法决定，须经法制审核",
    # services.deadlines: the case's statutory deadlines
    "deadline.planned": "计算期限",
    "deadline.replanned": "重新计算期限",
    "deadline.scheduled": "确定到期日",
    "deadline.rescheduled": "按国务院节假日安排重算到期日",
    "deadline.calendar_missing": "节假日安排尚未载入，到期日暂定",
    "deadline.warning": "期限即将届满提醒",
    "deadline.met": "期限已履行",
    "deadline.missed": "期限已超期",
    "deadline.expired": "期限届满",
    "deadline.cancelled": "期限不再计算",
    "deadline.extended": "延长期限",
    "deadline.paused": "期限暂停计算",
    "deadline.resumed": "期限恢复计算",
    "deadline.surcharge_paused": "加处罚款暂停计算",
    "deadline.surcharge_resumed": "加处罚款恢复计算",
    # services.publicity: 行政处罚决定公示 (行政处罚法 第四十八条)
    "publication.drafted": "生成公示信息（待公示）",
    "publication.not_published": "依规定不予公示",
    "publication.updated": "修改公示信息",
    "publication.published": "公示行政处罚决定",
    "publication.excluded": "决定不予公开",
    "publication.withdrawn": "撤回公示",
    "publication.removed": "提前停止公示（信用修复）",
    "publication.expired": "公示期满",
    # services.documents: 文书
    "document.requested": "出具文书",
    "document.rendered": "文书已生成",
    "document.render_failed": "文书生成失败",
    "document.voided": "作废文书",
    # services.parties, services.publicity
    "party.updated": "修改当事人信息",
    "remedy.outcome_recorded": "记录行政复议或者行政诉讼结果",
}

def label(table: dict[str, str], code: str | None, default: str = "") -> str:
    """The Chinese label of `code` in `table`; the code itself when the table does not know it."""
    if code is None:
        return default
    return table.get(code, code)
