"""The command line for operators: help texts, ``tenants`` and ``doctor``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from ledgergraph.cli import main
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.redis_server import RedisProcess
from tests.support.cli import run_cli
from tests.support.server import serve_ledgergraph, server_env
from tests.sync.helpers import connect_tenant

COMMANDS = [
    [],
    ["serve"],
    ["sandbox"],
    ["schema"],
    ["token"],
    ["connect-link"],
    ["api-keys"],
    ["api-keys", "create"],
    ["api-keys", "list"],
    ["api-keys", "revoke"],
    ["api-keys", "rotate"],
    ["tenants"],
    ["tenants", "list"],
    ["tenants", "show"],
    ["tenants", "disconnect"],
    ["doctor"],
]
# An option line of argparse's help: "  --name VALUE   its help", or the help on the next line.
_OPTION = re.compile(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("LEDGERGRAPH_"):
            monkeypatch.delenv(name)


def _help(command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ledgergraph")
def test_every_help_text_is_clean_and_every_option_explained(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(command, capsys)
    lines = text.splitlines()

    assert "``" not in text
    unexplained = []
    for index, line in enumerate(lines):
        option = _OPTION.match(line)
        if option is None or option.group(2):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not re.match(r"^ {6,}\S", following):
            unexplained.append(option.group(1))
    assert unexplained == []


def test_the_top_level_help_lists_the_operator_commands(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help([], capsys)

    assert {"tenants", "doctor", "api-keys", "connect-link"} <= set(re.findall(r"[a-z-]+", text))


@pytest.mark.parametrize("command", [["tenants", "list"], ["tenants", "show", "acme"]])
def test_tenants_without_redis_says_how_to_get_an_answer(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2

    err = capsys.readouterr().err
    assert "LEDGERGRAPH_REDIS_URL" in err
    assert "/admin/tenants" in err


@pytest.mark.redis
async def test_tenants_lists_shows_and_disconnects_in_the_servers_redis(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as server:
        acme = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        port = urlsplit(server.url).port
        assert port is not None
        env = server_env(sandbox, port=port, redis_url=redis_url, prefix=key_prefix)

        listed = await run_cli(env, "tenants", "list")
        shown = await run_cli(env, "tenants", "show", "acme")
        unknown = await run_cli(env, "tenants", "show", "nobody")
        disconnected = await run_cli(env, "tenants", "disconnect", "acme")
        body = await server.graphql(http, "acme", "{ connection { status } }")

    assert listed[0] == 0, listed[2]
    [entry] = [json.loads(line) for line in listed[1].splitlines()]
    assert entry["tenant"] == "acme"
    assert entry["status"] == "CONNECTED"
    assert entry["business"]["remoteId"] == acme.business_id
    assert json.loads(shown[1]) == entry
    assert unknown[0] == 1
    assert "tenants list" in unknown[2]
    assert disconnected[0] == 0, disconnected[2]
    assert json.loads(disconnected[1])["status"] == "NOT_CONNECTED"
    assert body["data"]["connection"]["status"] == "NOT_CONNECTED"


@pytest.mark.redis
async def test_doctor_passes_a_sound_configuration(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> None:
    env = server_env(sandbox, port=8000, redis_url=redis_url, prefix=key_prefix)

    code, out, _ = await run_cli(env, "doctor")

    assert code == 0, out
    assert re.search(r"^ok +state store: reachable and durable", out, re.MULTILINE), out
    assert re.search(r"^ok +Sage API: .* answers", out, re.MULTILINE), out
    assert re.search(r"^ok +clock: ", out, re.MULTILINE), out


@pytest.mark.redis
async def test_doctor_shows_todays_sage_budget_and_the_heaviest_tenants(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as server:
        await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        assert server.runtime is not None
        await server.runtime.sage.get(TenantId("acme"), "/contacts", cached=False)
        budget = server.runtime.sage_budget
        assert budget is not None
        usage = (await budget.usage()).usage
        env = server_env(sandbox, port=8000, redis_url=redis_url, prefix=key_prefix)

        code, out, _ = await run_cli(env, "doctor")

    assert code == 0, out
    line = re.search(r"^ok +Sage budget: (.*)$", out, re.MULTILINE)
    assert line is not None, out
    assert line.group(1).startswith(f"{usage.used:,} of 1,296,000 calls today"), out
    assert line.group(1).endswith(f"heaviest tenants: acme {usage.heaviest[0][1]:,}"), out


@pytest.mark.redis
async def test_doctor_names_each_problem_and_its_fix(
    sandbox: RunningSandbox, key_prefix: str
) -> None:
    with RedisProcess(appendonly=False) as volatile:
        env = server_env(sandbox, port=8000, redis_url=volatile.url, prefix=key_prefix) | {
            "LEDGERGRAPH_MODE": "production",
            "LEDGERGRAPH_SAGE_API_URL": "http://127.0.0.1:9/v3.1",
        }
        env.pop("LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS")

        code, out, _ = await run_cli(env, "doctor")

    assert code == 1
    failed = re.findall(r"^FAIL +([^:]+):", out, re.MULTILINE)
    assert set(failed) == {"token encryption", "public URL", "state store", "Sage API"}, out
    assert "appendonly yes" in out
    assert out.count("fix: ") >= len(failed)
