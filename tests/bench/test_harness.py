"""The pure parts of bench/run.py: the server command read from docker-compose.yml, percentiles,
the SQL replay's cursor rewrite, targets and the regression table. (The runs are in `make bench`.)"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_server_is_the_compose_web_command_on_loopback(bench, monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.setenv("WEB_THREADS", "6")
    args = bench.compose_web_command(8123)
    assert Path(args[0]).name == "gunicorn"
    assert args[args.index("--bind") + 1] == "127.0.0.1:8123"
    assert args[args.index("--worker-class") + 1] == "gthread"
    assert args[args.index("--workers") + 1] == "3"  # the compose default
    assert args[args.index("--threads") + 1] == "6"  # the environment wins, as in Compose
    assert "config.wsgi:application" in args


def test_percentiles_interpolate(bench):
    values = list(range(1, 101))
    assert bench.pct(values, 0.5) == pytest.approx(50.5)
    assert bench.pct(values, 0.99) == pytest.approx(99.01)
    assert bench.pct([], 0.5) is None
    assert bench.summary([3.0])["p99"] == 3.0


def test_server_side_cursors_are_replayed_as_their_select(bench):
    sql = 'DECLARE "_django_curs_1_sync_5" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT "t"."id" FROM "t"'
    assert bench.DECLARE_RE.sub("", sql) == 'SELECT "t"."id" FROM "t"'
    assert bench.DECLARE_RE.sub("", "SELECT 1") == "SELECT 1"


def _result(list_p50, floor_p50, counted=200):
    endpoints = {
        name: {"p50": list_p50, "p95": list_p50 * 2, "p99": list_p50 * 3, "n": 10, "rps": 1, "errors": 0}
        for name in ("list", "list_filtered", "detail", "vote")
    }
    return {
        "size": 50000,
        "framework_floor": {"p50": floor_p50, "rps": 100.0},
        "mix": {"rps": 50.0, "errors": 0, "endpoints": endpoints},
        "database_floor": {"list": {"p50": list_p50 / 4}},
        "hotspot": {
            "voters": 200,
            "counted": counted,
            "all_counted": counted == 200,
            "p95_ratio": 5.0,
        },
    }


def test_targets_are_marked_ok_or_missed(bench):
    rows = {row["metric"]: row for row in bench.assess(_result(list_p50=8.0, floor_p50=2.0))}
    assert rows["list p50 / floor p50"]["value"] == 4.0
    assert rows["list p50 / floor p50"]["ok"]
    assert rows["vote p50 / floor p50"]["ok"] is False  # 4x > 3x
    assert rows["list p99 / own p50"]["value"] == 3.0
    assert rows["list p99 / own p50"]["ok"]
    assert rows["mix throughput / floor throughput"]["value"] == 0.5
    lost = {row["metric"]: row for row in bench.assess(_result(8.0, 2.0, counted=199))}
    assert lost["hot spot: 200 votes counted, none lost or doubled"]["ok"] is False


def test_regression_compares_the_ratios_of_the_previous_run(bench):
    before, now = _result(8.0, 2.0), _result(6.0, 2.0)
    for result in (before, now):
        result["targets"] = bench.assess(result)
    rows = {row["metric"]: row for row in bench.regression({"sizes": [before]}, {"sizes": [now]})}
    assert rows["list p50 / floor p50"]["previous"] == 4.0
    assert rows["list p50 / floor p50"]["current"] == 3.0
    assert rows["list p50 / floor p50"]["change_percent"] == -25.0
    assert bench.regression(None, {"sizes": [now]}) == []
    text = bench.markdown(
        {
            "id": "x",
            "date": "d",
            "command": "c",
            "commit": "abc",
            "machine": {"cores": 2, "load_before": "1", "python": "3.11"},
            "load": {
                "locust": "2",
                "users": 50,
                "processes": 1,
                "duration": 30,
                "floor_duration": 15,
                "warmup": 5,
            },
            "sizes": [],
            "extras": [
                {"status": "failed", "command": "python bench/extra_x.py", "seconds": 1, "error": "exit 1"}
            ],
            "previous": "y",
            "regression": [],
        }
    )
    assert "**failed**" in text
    assert "no size in common" in text


def test_the_previous_run_is_the_latest_with_a_size_in_common(bench, tmp_path):
    import json

    for run_id, size in (("20260101T000000Z", 5000), ("20260102T000000Z", 50000), ("20260103T000000Z", 5000)):
        (tmp_path / f"{run_id}.json").write_text(json.dumps({"id": run_id, "sizes": [{"size": size}]}))
    assert bench.previous_run(tmp_path, "20260104T000000Z", [50000])["id"] == "20260102T000000Z"
    assert bench.previous_run(tmp_path, "20260104T000000Z", [5000])["id"] == "20260103T000000Z"
    assert bench.previous_run(tmp_path, "20260102T000000Z", [5000])["id"] == "20260101T000000Z"
    assert bench.previous_run(tmp_path, "20260104T000000Z", [200000])["id"] == "20260103T000000Z"
    assert bench.previous_run(tmp_path, "20250101T000000Z", [5000]) is None


def test_a_py_spy_profile_is_summarised_by_waits_and_our_functions(bench, tmp_path):
    root = str(bench.ROOT)
    handler = "WSGIHandler.__call__ (/x/.venv/django/core/handlers/wsgi.py:124)"
    middleware = f"RequestIdMiddleware.__call__ ({root}/config/middleware.py:26)"
    view = f"idea_list ({root}/ideas/views.py:40)"
    execute = "CursorWrapper._execute (/x/.venv/django/db/backends/utils.py:105)"
    redis = "SocketBuffer._read_from_socket (/x/.venv/redis/_parsers/socket.py:64)"
    render = "Template.render (/x/.venv/django/template/base.py:170)"
    stacks = [
        (f"process 1;{handler};{middleware};{view};{execute}", 6),
        (f"process 1;{handler};{middleware};{view};{render};{redis}", 3),
        (f"process 1;{handler};{middleware}", 1),
        ("process 1;Arbiter.run (/x/.venv/gunicorn/arbiter.py:1);select (selectors.py:468)", 50),
    ]
    path = tmp_path / "profile.txt"
    path.write_text("".join(f"{stack} {count}\n" for stack, count in stacks))
    summary = bench.heaviest_functions(path)
    assert summary["samples"] == 10  # gunicorn's own loop is not a request's cost
    assert summary["kinds"]["waiting for PostgreSQL"] == 0.6
    assert summary["kinds"]["waiting for Redis"] == 0.3
    assert summary["kinds"]["rendering templates"] == 0.3
    assert summary["functions"] == [{"function": "idea_list (ideas/views.py)", "share": 0.9}]  # no middleware


def test_server_cpu_is_read_from_proc_and_reported_per_request(bench):
    import os
    import types

    server = types.SimpleNamespace(process=types.SimpleNamespace(pid=os.getpid()))
    sum(i * i for i in range(300_000))  # spend some CPU in this process
    cpu = bench.service_cpu(server)
    assert set(cpu) == {"gunicorn", "postgres", "redis"}
    assert cpu["gunicorn"] > 0
    result = {
        "mix": {"cpu_ms_per_request": {"gunicorn": 9.0, "postgres": 2.5, "redis": 0.5, "total": 12.0}},
        "framework_floor": {
            "cpu_ms_per_request": {"gunicorn": 0.5, "postgres": 0.0, "redis": 0.0, "total": 0.5}
        },
    }
    assert bench.cpu_ratio(result) == 24.0
    assert bench.cpu_text(result["mix"]["cpu_ms_per_request"]).startswith("server CPU 12.00 ms per request")
    assert bench.cpu_ratio({"mix": {}, "framework_floor": {}}) is None  # runs before it was measured


def test_the_signed_in_floor_is_reported_against_the_framework_floor(bench):
    result = {
        "framework_floor": {"p50": 20.0, "rps": 2000.0, "cpu_ms_per_request": {"total": 0.5}},
        "signed_floor": {
            "p50": 50.0,
            "rps": 800.0,
            "errors": 0,
            "cpu_ms_per_request": {"gunicorn": 1.0, "postgres": 0.4, "redis": 0.1, "total": 1.5},
        },
    }
    (line,) = bench.signed_floor_lines(result)
    assert "p50 50.0 (2.50x the floor's)" in line
    assert "800.0 requests/s (0.40 of the floor's)" in line
    assert line.endswith("(3.0x the floor's).")
    assert bench.signed_floor_lines({"framework_floor": {}}) == []  # runs before it was measured
