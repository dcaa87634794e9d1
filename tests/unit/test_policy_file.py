"""The region's policy file: Halland's default, validation naming the line, settings over the file, and
`discharge policy check`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from discharge.cli.main import main
from discharge.policy.loading import PolicyFileError, parse_policy, read_policy
from discharge.settings import Settings, SettingsError, load_settings, settings_env
from discharge.settings_policy import CurrentPolicy, policy_from_settings

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "policy-vastra-gotaland.yaml"


def test_hallands_policy_is_the_default_with_seed_000s_beredskapsjour() -> None:
    policy = policy_from_settings(Settings(), today=date(2027, 1, 4))
    assert policy.version == "halland-2026-12-03"
    assert policy.handover_accept_timeout == timedelta(days=2)
    assert policy.working_time == {"handover_accept": "vardcentral"}
    assert policy.primarycare_oncall_unit == "SE2321000131-E000000000400"
    assert date(2027, 6, 25) in policy.closed_days and date(2028, 12, 24) in policy.closed_days


def test_a_duration_set_in_the_environment_overrides_the_file_in_calendar_time() -> None:
    policy = policy_from_settings(Settings(discharge_handover_accept_timeout="PT30S"))
    assert policy.handover_accept_timeout == timedelta(seconds=30)
    assert "handover_accept" not in policy.working_time  # a demo's 30 s are 30 s, also at night
    oncall = policy_from_settings(Settings(discharge_primarycare_oncall_unit="SE2321000131-E000000000499"))
    assert oncall.primarycare_oncall_unit == "SE2321000131-E000000000499"


def test_the_second_regions_example_is_a_valid_policy() -> None:
    policy = policy_from_settings(Settings(discharge_policy_file=EXAMPLE))
    assert policy.version == "vgr-example-2026-12-03"
    assert policy.support_period == timedelta(days=10)
    assert policy.working_time == {"handover_accept": "vardcentral", "planning": "coordination"}


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "version: v\nregion: r\ndurations:\n  support_period: fourteen days\n",
            "x:4: durations.support_period",
        ),
        (
            "version: v\nregion: r\ncalendars:\n  vardcentral:\n    weekdays: ['08:00-25:00']\n",
            "x:5: calendars",
        ),
        ("version: v\nregion: r\nholidays:\n  eves: [Lucia]\n", "x:4: holidays.eves"),
        ("version: v\nregion: r\nunits:\n  lmv: someone\n", "x:4: units.lmv"),
        ("version: v\nregion: r\n\ncolour: blue\n", "x:4: colour: Extra inputs are not permitted"),
        ("version: v\nregion: r\nworking_time:\n  handover_accept: lmv\n", "x:3: working_time"),
        ("version: v\nregion: [r\n", "x:3: not YAML"),
        ("region: r\n", "x:1: version: Field required"),
    ],
)
def test_a_wrong_policy_file_is_refused_naming_its_line(text: str, wanted: str) -> None:
    with pytest.raises(PolicyFileError) as refused:
        parse_policy(text, "x")
    assert wanted in str(refused.value)


def test_a_wrong_policy_file_stops_every_command_at_start_naming_the_line(tmp_path: Path) -> None:
    wrong = tmp_path / "policy.yaml"
    wrong.write_text("version: v\nregion: r\nunits:\n  primarycare_oncall: nobody\n", "utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings(discharge_policy_file=wrong)
    assert "DISCHARGE_POLICY_FILE: not a valid policy" in str(refused.value)
    assert f"{wrong}:4: units.primarycare_oncall" in str(refused.value)


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot be read"):
        read_policy(tmp_path / "nowhere.yaml")


def test_policy_check_lists_what_differs_from_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["policy", "check", str(EXAMPLE)])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "valid policy 'vgr-example-2026-12-03'" in out
    assert "durations.handover_accept_timeout: P2D -> P3D" in out
    assert "calendars.lmv.weekends: [] -> [09:00-17:00]" in out
    assert "in working time: handover_accept (vardcentral), planning (coordination)" in out
    assert "closed go to: SE2321000131-E000000000710" in out


def test_policy_check_of_a_wrong_file_exits_1_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "policy.yaml"
    wrong.write_text("version: v\nregion: r\ndurations:\n  handover_accept_timeout: soon\n", "utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["policy", "check", str(wrong)])
    assert exit_.value.code == 1
    assert f"{wrong}:4: durations.handover_accept_timeout" in capsys.readouterr().err


def test_the_worker_reads_a_changed_file_and_keeps_the_last_valid_version_when_it_turns_wrong(
    tmp_path: Path,
) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text("version: one\nregion: r\n", "utf-8")
    current = CurrentPolicy(Settings(discharge_policy_file=file))
    assert current.now().version == "one"
    file.write_text("version: two\nregion: r\n", "utf-8")
    assert current.now().version == "two"
    file.write_text("version: three\nregion: r\ncolour: blue\n", "utf-8")
    assert current.now().version == "two"


def test_a_child_of_discharge_dev_takes_the_files_durations_unless_one_was_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    supervisor = Settings(discharge_support_period="PT90S")
    for name, value in settings_env(supervisor).items():  # the child's environment
        monkeypatch.setenv(name, value)
    policy = policy_from_settings(load_settings())
    assert policy.support_period == timedelta(seconds=90)  # set: passed on, and it overrides the file
    assert policy.working_time == {"handover_accept": "vardcentral"}  # not set: the file's, in working time
