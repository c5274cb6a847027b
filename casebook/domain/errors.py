"""Domain errors: every refusal carries a stable code, a Chinese message and, where a law applies, its article."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    """One reason an act is refused: stable code for programs, Chinese message for people, article of law."""

    code: str
    message: str
    article: str | None = None

    def as_dict(self) -> dict:
        d = {"code": self.code, "message": self.message}
        if self.article:
            d["article"] = self.article
        return d


class DomainError(Exception):
    """Base class of errors the domain raises on purpose; the web layer maps them to 4xx in one place."""

    http_status = 422
    code = "domain_error"
    message = "请求无法处理"

    def __init__(self, message: str | None = None, *, code: str | None = None, errors: dict | None = None):
        self.message = message or self.message
        if code:
            self.code = code
        self.errors = errors or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input is well-formed but its content is wrong (bad checksum, impossible date …)."""

    http_status = 422
    code = "validation_failed"
    message = "输入数据有误"


class NotFound(DomainError):
    http_status = 404
    code = "not_found"
    message = "未找到该记录"


class PermissionDenied(DomainError):
    http_status = 403
    code = "forbidden"
    message = "无权执行此操作"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"
    message = "操作与当前状态冲突"


class StaleVersion(Conflict):
    code = "stale_version"
    message = "记录已被他人修改，请刷新后重试"


@dataclass
class ActionRefused(Conflict):
    """An act on a case is refused by one or more guards; all failing reasons are listed."""

    action: str = ""
    reasons: list[Reason] = field(default_factory=list)

    def __post_init__(self):
        Conflict.__init__(
            self,
            "不能执行“{}”：{}".format(self.action, "；".join(r.message for r in self.reasons)),
            code="action_refused",
            errors={"reasons": [r.as_dict() for r in self.reasons]},
        )


class CalendarDataMissing(DomainError):
    """The working-day calendar has no data for a year: counting on weekends alone would be wrong."""

    http_status = 422
    code = "calendar_data_missing"

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日和调休数据尚未载入，无法按工作日计算期限，请管理员先录入该年日历",
            errors={"year": year},
        )
