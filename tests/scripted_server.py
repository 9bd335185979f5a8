"""The real app as its own process, its LLM answering from the shoe conversation's script.

``python tests/scripted_server.py DATA_DIR PORT`` serves until killed: a test can kill it
mid-run (SIGKILL, as a crash or a power cut would) and start another on the same data and
port, which is a real server restart.
"""

from __future__ import annotations

import sys

import uvicorn

from adloom.api.app import create_app
from adloom.config import Settings
from scripted_llm import ScriptedBackend, models_with_backend
from test_chat_graph import shoe_script

LEASE_S = 2.0  # a killed server's hold on its run runs out quickly


def main(data_dir: str, port: int) -> None:
    settings = Settings(data_dir=data_dir, llm={"max_retries": 0}, copywriter={"candidates": 1},
                        runs={"lease_s": LEASE_S})
    app = create_app(settings, models=models_with_backend(ScriptedBackend(shoe_script()), settings.llm))
    app.state.service.default_duration_s = 6
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
