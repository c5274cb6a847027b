"""`casebook …` commands: serve, db upgrade, seed demo, user create, calendar load-notice, audit verify|checkpoint,
stats rebuild|status."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

import click

from casebook.config import Settings
from casebook.db.engine import make_engine, make_sessionmaker, unit_of_work


def _sessions(settings: Settings):
    return make_sessionmaker(make_engine(settings.database_url), settings=settings)


@click.group()
def main():
    """Casebook 行政执法案件管理"""


@main.group()
def db():
    """数据库"""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision):
    """应用数据库迁移"""
    from casebook.db.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    click.echo(f"数据库已迁移到 {revision}：{_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.group()
def seed():
    """示例数据"""


@seed.command("demo")
def seed_demo():
    """载入演示数据（一个区、两个执法部门及各类用户），并打印登录信息"""
    from casebook.db.migrate import analyze
    from casebook.seed import seed_demo as run
    from casebook.seed import seed_demo_cases

    settings = Settings()
    with unit_of_work(_sessions(settings)) as s:
        rows = run(s)
    analyze(settings.database_url)  # a bulk load: fresh planner statistics (PostgreSQL)
    with unit_of_work(_sessions(settings)) as s:
        made = seed_demo_cases(s, settings)
    if made:
        click.echo("演示案件：" + "；".join(made))
    if not rows:
        click.echo("演示数据已存在，未重复载入。")
        return
    click.echo("演示账号（用户名 / 密码 / 姓名 / 角色）：")
    for r in rows:
        click.echo("  " + " / ".join(r))


@main.group()
def user():
    """用户"""


@user.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--agency-id", type=int, required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--bar-qualified", is_flag=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def user_create(username, display_name, agency_id, roles, bar_qualified, password):
    """新建用户"""
    from casebook.domain.errors import DomainError
    from casebook.services import users
    from casebook.services.context import SYSTEM

    try:
        with unit_of_work(_sessions(Settings())) as s:
            u = users.create_user(s, SYSTEM, username=username, display_name=display_name, password=password,
                                  agency_id=agency_id, roles=list(roles), bar_qualified=bar_qualified)
            click.echo(f"已创建用户 {u.username}（id={u.id}）")
    except DomainError as e:
        click.echo(f"错误：{e.message} {json.dumps(e.errors, ensure_ascii=False)}", err=True)
        sys.exit(2)


@main.group()
def calendar():
    """工作日历：载入国务院办公厅年度节假日安排"""


@calendar.command("load-notice")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="执行载入的管理员用户名（记入全过程记录）")
@click.option("--confirm", "confirm_digest", default=None, metavar="DIGEST",
              help="确认载入：填写预览输出的 digest；不填则只预览，不作任何更改")
def calendar_load_notice(path, username, confirm_digest):
    """读取通知原文（.txt）、YAML 或 XLSX，显示识别结果；--confirm DIGEST 时存储并重新计算暂定期限"""
    from pathlib import Path

    from sqlalchemy import select

    from casebook.calendar.notice import parse_notice, parse_xlsx, parse_yaml
    from casebook.db.models import User
    from casebook.domain.errors import DomainError
    from casebook.services import calendar as cal_svc
    from casebook.services import calendar_years
    from casebook.services.context import actor_for

    settings = Settings()
    p = Path(path)
    try:
        if p.suffix.lower() == ".xlsx":
            notice = parse_xlsx(p.read_bytes())
        elif p.suffix.lower() in (".yaml", ".yml"):
            notice = parse_yaml(p.read_text(encoding="utf-8-sig"))
        else:
            notice = parse_notice(p.read_text(encoding="utf-8-sig"))
        factory = _sessions(settings)

        def actor_in(s):
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                raise DomainError(f"没有用户 {username}", code="user_not_found")
            return actor_for(s, user)

        if confirm_digest is None:
            with factory() as s:  # a preview writes nothing
                result = cal_svc.preview_year(s, actor_in(s), notice)
        else:
            with unit_of_work(factory) as s:
                result = calendar_years.confirm_year(s, actor_in(s), notice, confirm_digest, settings)
    except DomainError as e:
        click.echo(f"错误：{e.message}", err=True)
        for line in (e.errors or {}).get("text", []):
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    if confirm_digest is None:
        click.echo(f"以上为预览，未作任何更改。核对无误后执行：casebook calendar load-notice {path} "
                   f"--user {username} --confirm {result['digest']}")
    else:
        click.echo(f"已载入{notice.year}年节假日安排；重新计算暂定期限 {len(result['rescheduled'])} 项。")


@main.group()
def audit():
    """全过程记录"""


@audit.command("verify")
def audit_verify():
    """校验哈希链与签名检查点；发现篡改时以状态码 1 退出并指出第一条问题记录"""
    from casebook.services.audit import verify_trail

    settings = Settings()
    with _sessions(settings)() as s:
        result = verify_trail(s, settings)
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    if not result.ok:
        click.echo(f"校验失败：{result.message}", err=True)
        sys.exit(1)
    click.echo(f"校验通过：共 {result.entries} 条记录。")


@audit.command("checkpoint")
def audit_checkpoint():
    """对当前链头签名（Ed25519）"""
    from casebook.services.audit import sign_checkpoint

    settings = Settings()
    with unit_of_work(_sessions(settings)) as s:
        cp = sign_checkpoint(s, settings)
        msg = f"已签名检查点：第 {cp.seq} 条，{cp.entry_hash}" if cp else "链头已有检查点（或尚无记录），无需签名。"
    click.echo(msg)


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
def serve(host, port):
    """嵌入式运行：Web 服务及后台线程（外发、消费、期限扫描、定期签名检查点）在同一进程"""
    from werkzeug.serving import make_server

    from casebook.startup import check_or_exit
    from casebook.web.app import create_app

    settings = Settings(embedded=True)  # the login page lists the demo accounts in this mode only
    _logging(settings)
    check_or_exit(settings)
    app = create_app(settings)
    stop = start_embedded(app, settings)
    server = make_server(host or settings.host, port or settings.port, app, threaded=True)
    click.echo(f"Casebook 已启动：http://{host or settings.host}:{port or settings.port}/ （接口文档：/api/docs）")

    import signal
    import threading

    def _graceful(*_):  # SIGTERM (docker stop, systemd): finish requests in flight, stop the threads, exit 0
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _graceful)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop()


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("weasyprint", "fontTools", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def start_embedded(app, settings: Settings):
    """Embedded mode only: relay and worker threads, the scheduler's jobs (the deadline sweep, 公示期满, the problem
    models, the statistics rollup) and periodic signed checkpoints — what `casebook serve` runs beside the app (the e2e
    tests run the same). Never in gunicorn. Returns the function that stops them."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from casebook.services.audit import sign_checkpoint
    from events.runtime import start_background

    sessions = app.extensions["casebook"]["sessions"]
    events = start_background(sessions, settings)

    def checkpoint():
        try:
            with unit_of_work(sessions) as s:
                sign_checkpoint(s, settings)
        except Exception:  # noqa: BLE001 — log and keep the scheduler alive; the next tick retries
            logging.getLogger("casebook.checkpoint").exception("checkpoint failed")

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(checkpoint, "interval", minutes=settings.checkpoint_minutes, next_run_time=dt.datetime.now(dt.UTC),
                  max_instances=1, coalesce=True)
    from scheduler.sweep import (
        add_problem_models_job,
        add_publication_job,
        add_statistics_job,
        add_statistics_rollup_job,
        add_sweep_job,
    )

    add_sweep_job(sched, sessions, settings)  # the deadline sweep (embedded: this process is the one scheduler)
    add_publication_job(sched, sessions)  # 公示期满: records leave the public pages (and are recorded expired)
    add_problem_models_job(sched, sessions)  # 行政执法监督: the problem models, nightly
    add_statistics_rollup_job(sched, sessions)  # the statistics rollup's dirty months, every minute
    add_statistics_job(sched, sessions)  # served from PostgreSQL with autovacuum off: stale planner statistics
    sched.start()

    def stop():
        sched.shutdown(wait=False)
        events.stop()

    return stop


@main.command()
def scheduler():
    """定时扫描法定期限：到期预警、逾期（只运行一个进程；多开也不会重复触发）"""
    from scheduler.sweep import run

    settings = Settings()
    _logging(settings)
    run(settings, _sessions(settings))


@main.command()
def relay():
    """外发事件：把已提交的事件发布到消息队列（发布确认后标记已发送）"""
    from events.runtime import make_relay

    settings = Settings()
    _logging(settings)
    r = make_relay(_sessions(settings), settings)
    _run_until_signal(lambda stop: r.run(stop))


@main.command()
def worker():
    """消费事件：每个处理组按案件顺序、恰好一次地处理事件"""
    from events.runtime import make_worker

    settings = Settings()
    _logging(settings)
    w = make_worker(_sessions(settings), settings)

    def run(stop):
        import threading

        threading.Thread(target=lambda: (stop.wait(), setattr(w, "should_stop", True)), daemon=True).start()
        w.run()

    _run_until_signal(run)


def _run_until_signal(fn):
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    fn(stop)


@main.group()
def stats():
    """执法统计汇总表"""


@stats.command("rebuild")
def stats_rebuild():
    """由案件重新计算统计汇总表（批量导入、迁移或恢复数据后运行），并刷新数据库统计信息"""
    from casebook.services.rollups import rebuild

    settings = Settings()
    engine = make_engine(settings.database_url)
    info = rebuild(engine)
    engine.dispose()
    click.echo(f"统计汇总表已重建：{info['rows']} 行，用时 {info['seconds']} 秒")


@stats.command("status")
def stats_status():
    """统计汇总表的行数与待刷新的月份标记数"""
    from casebook.services.rollups import status

    settings = Settings()
    with _sessions(settings)() as s:
        click.echo(json.dumps(status(s), ensure_ascii=False, indent=2))


@main.group()
def events():
    """事件队列"""


@events.command("status")
def events_status():
    """外发积压、最早未发事件的时长、各队列深度与消费者数、死信数"""
    from events.status import collect

    settings = Settings()
    with _sessions(settings)() as s:
        info = collect(s, settings)
    click.echo(json.dumps(info, ensure_ascii=False, indent=2))


@events.group("dlq")
def dlq():
    """死信"""


@dlq.command("list")
@click.option("--all", "show_all", is_flag=True, help="包括已重放的")
def dlq_list(show_all):
    """列出死信"""
    from sqlalchemy import select

    from casebook.db.models import DeadLetter

    with _sessions(Settings())() as s:
        q = select(DeadLetter).order_by(DeadLetter.id)
        if not show_all:
            q = q.where(DeadLetter.replayed_at.is_(None))
        rows = s.execute(q).scalars().all()
    for d in rows:
        click.echo(f"{d.id}\t{d.consumer}\t{d.event_type}\t{d.event_id}\t重试{d.retries}次\t{d.dead_at:%Y-%m-%d %H:%M:%S}\t"
                   f"{d.error.splitlines()[0][:120] if d.error else ''}")
    click.echo(f"共 {len(rows)} 条")


@dlq.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True)
def dlq_replay(ids, replay_all):
    """把死信重新投递给原消费者"""
    from sqlalchemy import select

    from casebook.db.models import DeadLetter
    from events.runtime import topology_for
    from events.worker import replay_dead_letter

    settings = Settings()
    sessions = _sessions(settings)
    if replay_all:
        with sessions() as s:
            ids = s.execute(select(DeadLetter.id).where(DeadLetter.replayed_at.is_(None))).scalars().all()
    n = sum(replay_dead_letter(sessions, settings.broker_url, topology_for(settings), i) for i in ids)
    click.echo(f"已重放 {n} 条死信")



@main.group()
def catalogue():
    """规则目录（裁量基准、免罚清单、立案追诉标准、触发条件）"""


@catalogue.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
def catalogue_import(paths):
    """导入 YAML 或 XLSX 目录文件（目录则导入其中全部 YAML，先基准后清单）；任何错误则不导入"""
    from pathlib import Path

    from casebook.domain.errors import DomainError
    from casebook.services import catalogue as cat
    from casebook.services.context import SYSTEM

    settings = Settings()
    try:
        with unit_of_work(_sessions(settings)) as s:
            for p in map(Path, paths):
                if p.is_dir():
                    for name in cat.seed_directory(s, p):
                        click.echo(f"已导入 {name}")
                else:
                    row = cat.import_document(s, SYSTEM, cat.load_bytes(p.read_bytes(), p.name), source=p.name)
                    click.echo(f"已导入 {row.code} 第{row.version}版（{row.name}）")
        from casebook.db.migrate import analyze

        analyze(settings.database_url)  # a bulk import: fresh planner statistics (PostgreSQL)
    except DomainError as e:
        click.echo(f"错误：{e.message}", err=True)
        for where, msgs in (e.errors or {}).items():
            for m in msgs if isinstance(msgs, list) else [msgs]:
                click.echo(f"  {where}：{m}", err=True)
        sys.exit(2)


@catalogue.command("export")
@click.argument("code")
@click.option("--version", type=int)
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def catalogue_export(code, version, fmt, output):
    """导出目录版本"""
    from pathlib import Path

    import yaml

    from casebook.services import catalogue as cat
    from casebook.services.catalogue_xlsx import write

    with _sessions(Settings())() as s:
        row = cat.get_version(s, code, version)
        data = write(row.content) if fmt == "xlsx" else yaml.safe_dump(row.content, allow_unicode=True, sort_keys=False).encode()
    Path(output).write_bytes(data)
    click.echo(f"已导出 {row.code} 第{row.version}版 → {output}")


@catalogue.command("diff")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def catalogue_diff(path):
    """比较文件与已导入的最新版本"""
    from pathlib import Path

    from casebook.services import catalogue as cat

    p = Path(path)
    doc = cat.load_bytes(p.read_bytes(), p.name)
    with _sessions(Settings())() as s:
        d = cat.diff(cat.get_version(s, (doc.get("catalogue") or {}).get("code") or "").content, doc)
    for label, key in (("新增", "added"), ("删除", "removed"), ("修改", "changed")):
        click.echo(f"{label}（{len(d[key])}）：{'、'.join(d[key]) or '无'}")


if __name__ == "__main__":  # python -m casebook.cli (every command is defined above)
    main()
