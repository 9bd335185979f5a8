"""``adloom chat`` (the planner in the terminal) and ``adloom serve`` (API + web chat)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Annotated, Optional

import typer
from rich.markup import escape

from adloom.console import ConfigOption, err, fail_input, out, progress_bar, settings_or_exit

APPROVE_WORDS = {"approve", "yes", "ok", "y", "go", "approved"}
REJECT_WORDS = {"reject", "no", "stop", "n", "cancel"}
RESUME_WORDS = {"resume", "continue", "try again", "retry"}
RESUME_HINT = "type 'resume' to go on from the last finished step"


def _show_interrupts(view) -> None:
    if not view.interrupts:
        return
    for item in view.interrupts:
        out.print(f"[bold yellow]approval[/] ({item['gate']}, {item['variant_id']}): {escape(item['message'])}")
        for platform, headline in item.get("headlines", {}).items():
            out.print(f"  {platform}: {headline}", markup=False, highlight=False)
        for media in item.get("media", []):
            out.print(f"  {media['label']}: {media['path']}", markup=False, highlight=False)
    out.print("[dim]answer: approve | reject | anything else = the change you want[/]")


def _run_turn(service, thread_id: str, graph_input) -> None:
    """Run one turn in the foreground with node lines and a tool progress bar."""
    lock = service.claim(thread_id)
    with progress_bar() as bar:
        task = bar.add_task("working", total=1.0)

        def show(event: dict) -> None:
            kind = event.get("type")
            if kind == "progress":
                bar.update(task, description=event["label"], completed=event["fraction"])
            elif kind == "node" and event.get("event") in ("finished", "failed", "revising", "rejected"):
                mark = {"finished": "[green]✓[/]", "failed": "[red]✗[/]"}.get(event["event"], "[yellow]↻[/]")
                err.print(f"{mark} {escape(str(event.get('label', event.get('node'))))}", highlight=False)
            elif kind == "message" and event["message"]["role"] == "assistant":
                out.print(f"[bold]planner:[/] {escape(event['message']['content'])}", highlight=False)
                for media in event["message"].get("media", []):
                    out.print(f"  {media['label']}: {media['path']}", markup=False, highlight=False)
            elif kind == "error":
                err.print(f"[red]error:[/] {escape(event['error'])}", highlight=False)

        service.run_turn(thread_id, graph_input, show, lock)


def converse(service, thread_id: str, read_line: Callable[[], str]) -> int:
    """The terminal conversation loop until end of input; returns the exit code.

    While an approval is pending, "approve"/"yes" approves, "reject"/"no" rejects and any
    other line is the change wanted, in plain words. ``/attach FILE...`` attaches files (raw
    videos to cut the ad from) to the next message. A turn that failed, or a conversation that
    stopped mid-turn, goes on from its last finished step on "resume".
    """
    from adloom.conversations import ThreadNotFoundError
    from adloom.agents.chat_supervisor import attachment
    from adloom.agents.revisions import GateDecision

    attached: list[str] = []
    while True:
        try:
            text = read_line().strip()
        except EOFError:
            return 0
        if not text:
            continue
        if text.split(maxsplit=1)[0] == "/attach":
            try:
                files = [attachment(path)["path"] for path in shlex.split(text)[1:]]
            except ValueError as exc:
                err.print(f"error: {exc}", markup=False, highlight=False)
                continue
            attached += files
            out.print(f"attached to your next message: {', '.join(attached) or 'nothing'}", markup=False,
                      highlight=False)
            continue
        try:
            view = service.view(thread_id)
        except ThreadNotFoundError:
            view = None
        if view is not None and view.status in ("interrupted", "failed") and text.lower() in RESUME_WORDS:
            try:
                service.check_resumable(thread_id)
            except RuntimeError as exc:  # the stopped process still holds the run for a few seconds
                err.print(f"error: {exc}", markup=False, highlight=False)
                continue
            graph_input = None
        elif view is not None and view.interrupts:
            lowered = text.lower()
            action = "approve" if lowered in APPROVE_WORDS else "reject" if lowered in REJECT_WORDS else "edit"
            graph_input = service.resume_command(
                thread_id, GateDecision(action=action, request=text if action == "edit" else ""), None,
            )
        else:
            try:
                graph_input = service.user_message(text, attached)
            except ValueError as exc:
                err.print(f"error: {exc}", markup=False, highlight=False)
                continue
            attached = []
        _run_turn(service, thread_id, graph_input)
        view = service.view(thread_id)
        if view.status == "failed":  # the conversation and everything finished so far are kept
            err.print(f"that step failed: {service.failure(thread_id)}; {RESUME_HINT}, or say what to change",
                      markup=False, highlight=False)
        if view.interrupts:
            _show_interrupts(view)


def chat(
    thread: Annotated[Optional[str], typer.Option("--thread", help="Continue this conversation.")] = None,
    config: ConfigOption = None,
) -> None:
    """Chat with the planner: describe the ad, answer its questions, approve its drafts."""
    from adloom.conversations import ChatService, ThreadNotFoundError

    settings = settings_or_exit(config)
    service = ChatService(settings)
    thread_id = thread or service.new_thread_id()
    if thread:
        try:
            view = service.view(thread_id)
        except ThreadNotFoundError:
            fail_input([f"no chat thread {thread!r}"])
        if view.status == "interrupted":
            out.print(f"This conversation stopped before it finished; {RESUME_HINT}.", highlight=False)
        _show_interrupts(view)
    out.print(f"thread: {thread_id}  (Ctrl-D to leave; continue later with --thread {thread_id}; "
              "/attach VIDEO... to cut the ad from your footage)", highlight=False)
    code = converse(service, thread_id, lambda: out.input("[bold cyan]you:[/] "))
    out.print()
    raise typer.Exit(code)


def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default [server] host).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default [server] port).")] = None,
    config: ConfigOption = None,
) -> None:
    """Start the API server and the web chat (uvicorn)."""
    import uvicorn

    from adloom.api.app import create_app
    from adloom.api.settings import InsecureListenError, check_listen_address

    settings = settings_or_exit(config)
    host = host or settings.server.host
    if port is not None and not 1 <= port <= 65535:
        fail_input([f"--port {port}: choose a port from 1 to 65535"])
    port = settings.server.port if port is None else port
    try:
        check_listen_address(host, settings.server)
    except InsecureListenError as exc:
        fail_input([str(exc)])
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    out.print(f"web chat: http://{shown}:{port}/   API docs: http://{shown}:{port}/docs", highlight=False)
    out.print(f"data:     {settings.data_dir}", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)

