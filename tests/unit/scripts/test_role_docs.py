"""scripts/role-docs: table cells escaped, tags read from tasks/main.yml, every entry point listed,
hand-written prose around the markers kept, --check looking at the generated part only."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import pathlib
import re
import textwrap
import types

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _load() -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("role_docs", str(ROOT / "scripts" / "role-docs"))
    spec = importlib.util.spec_from_loader("role_docs", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


role_docs = _load()

SPECS = {
    "argument_specs": {
        "main": {
            "short_description": "A role for tests.",
            "description": ["First paragraph with C(demo_path).", "Second paragraph."],
            "options": {
                "demo_filter": {"type": "str", "default": "{{ groups['all'] | length > 0 }}",
                                "description": "A default with a pipe, and a description with one: C(a | b)."},
                "demo_script": {"type": "str", "default": "set -e\nif true; then\n  echo | cat\nfi\n",
                                "description": "A multi-line default\nwritten over two lines."},
                "demo_pools": {"type": "list", "elements": "dict",
                               "default": [{"base": f"10.{i}.0.0/16", "size": 24} for i in range(8)],
                               "description": ["A long default.", "Two paragraphs."],
                               "options": {"base": {"type": "str", "required": True, "description": "Base."}}},
                "demo_mode": {"type": "str", "default": "auto", "choices": ["auto", "always", "never"],
                              "description": "A choice."},
                "demo_empty": {"type": "str", "default": "", "description": "Empty."},
            },
        },
        "detect": {"short_description": "Find out what the host is.",
                   "options": {"demo_detect_only": {"type": "bool", "default": False, "description": "Only look."}}},
        "repository": {"short_description": "Add one repository.", "description": "Used by other roles."},
    }
}

MAIN_YML = """\
---
- name: Validate input before anything changes
  ansible.builtin.import_tasks: preflight.yml
  tags: [demo, demo_preflight]

- name: Install the pinned demo
  ansible.builtin.import_tasks: install.yml
  tags: [demo, demo_install]

- name: Run the demo service
  ansible.builtin.import_tasks: service.yml
  tags: [demo, demo_service]

- name: Verify the demo answers
  ansible.builtin.import_tasks: verify.yml
  tags: [demo, demo_verify, verify]
"""


def _role(root: pathlib.Path, main_yml: str = MAIN_YML, specs: dict | None = None) -> pathlib.Path:
    role = root / "roles" / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "tasks").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(specs or SPECS, sort_keys=False))
    (role / "tasks" / "main.yml").write_text(main_yml)
    (role / "tasks" / "detect.yml").write_text("---\n[]\n")
    return role


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells, split where GitHub splits them (on pipes not escaped)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _tables(text: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(_cells(line))
        elif current:
            tables.append(current)
            current = []
    return tables


def _row(text: str, first_cell: str) -> list[str]:
    return next(cells for table in _tables(text) for cells in table if cells[0] == first_cell)


def test_every_table_row_has_as_many_cells_as_its_header(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    tables = _tables(text)
    assert len(tables) >= 4
    for table in tables:
        assert all(len(row) == len(table[0]) for row in table), table


def test_pipes_in_defaults_and_descriptions_are_escaped(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    row = _row(text, "`demo_filter`")
    assert row[3] == r"`{{ groups['all'] \| length > 0 }}`"
    assert row[4] == r"A default with a pipe, and a description with one: `a \| b`."


def test_a_multi_line_default_stays_in_one_cell_line_by_line(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    line = next(line for line in text.splitlines() if line.startswith("| `demo_script`"))
    default = _cells(line)[3]
    assert default == "<code>set -e<br>if true; then<br>&nbsp;&nbsp;echo &#124; cat<br>fi</code>"
    assert _cells(line)[4] == "A multi-line default written over two lines."


def test_a_long_default_is_shown_one_item_per_line_and_a_short_one_on_one(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    pools = _row(text, "`demo_pools`")
    assert pools[3].startswith("<code>- base: 10.0.0.0/16<br>&nbsp;&nbsp;size: 24<br>- base: 10.1.0.0/16")
    assert pools[4] == "A long default.<br>Two paragraphs."
    assert _row(text, "`demo_pools[].base`")[2] == "yes"
    assert _row(text, "`demo_empty`")[3] == '`""`'
    assert _row(text, "`demo_mode`")[4] == "A choice.<br>Choices: `auto`, `always`, `never`."


def test_tags_and_what_they_run_come_from_main_yml(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    tags = {row[0]: row[1] for row in _tables(text)[0][2:]}
    assert list(tags) == ["`demo`", "`demo_preflight`", "`demo_install`", "`demo_service`", "`demo_verify`", "`verify`"]
    assert tags["`demo_install`"] == "Install the pinned demo (`install.yml`)"
    assert tags["`demo_service`"] == "Run the demo service (`service.yml`)"
    assert tags["`verify`"] == "Verify the demo answers (`verify.yml`)"
    assert tags["`demo`"].startswith("everything: Validate input before anything changes, Install the pinned demo")
    assert "demo_configure" not in text
    assert "preflight phase runs only under `demo` and `demo_preflight`" in text
    assert "`demo_install`, `demo_service`, `demo_verify` and `verify`, given alone" in text


def test_preflight_under_every_phase_tag_is_said_and_listed_under_each_tag(tmp_path: pathlib.Path) -> None:
    main_yml = MAIN_YML.replace("tags: [demo, demo_preflight]",
                                "tags: [demo, demo_preflight, demo_install, demo_service, demo_verify, verify]")
    text = role_docs.render(_role(tmp_path, main_yml))
    tags = {row[0]: row[1] for row in _tables(text)[0][2:]}
    assert tags["`demo_service`"] == ("Validate input before anything changes (`preflight.yml`)<br>"
                                      "Run the demo service (`service.yml`)")
    assert "The preflight phase runs under every phase tag, so a phase tag given alone (`--tags demo_verify`)" in text
    assert "runs only under" not in text


def test_tags_in_a_block_a_string_and_always(tmp_path: pathlib.Path) -> None:
    main_yml = textwrap.dedent("""\
        - name: Gather what every phase needs
          ansible.builtin.import_tasks: facts.yml
          tags: always
        - name: Everything else
          tags: [demo]
          block:
            - name: Configure | the demo
              ansible.builtin.import_tasks: {file: configure.yml}
              tags: demo_configure
        """)
    text = role_docs.render(_role(tmp_path, main_yml))
    tags = {row[0]: row[1] for row in _tables(text)[0][2:]}
    assert list(tags) == ["`demo`", "`demo_configure`"]
    assert tags["`demo_configure`"] == r"Gather what every phase needs (`facts.yml`)<br>Configure \| the demo (`configure.yml`)"


def test_every_entry_point_is_listed_with_its_options(tmp_path: pathlib.Path) -> None:
    text = role_docs.render(_role(tmp_path))
    entries = {row[0]: row for row in _tables(text)[1][2:]}
    assert list(entries) == ["`main`", "`detect`", "`repository`"]
    assert "`tasks_from: detect.yml`" in entries["`detect`"][1]
    assert "`tasks_from: repository`" in entries["`repository`"][1]  # no tasks/repository.yml in this role
    assert entries["`detect`"][2] == "Find out what the host is."
    assert "## Entry point `detect`" in text and "## Entry point `repository`" in text
    assert _row(text, "`demo_detect_only`")[3] == "`false`"
    assert "Used by other roles." in text and "This entry point takes no variables." in text


def test_a_role_with_only_main_has_no_entry_point_table(tmp_path: pathlib.Path) -> None:
    specs = {"argument_specs": {"main": SPECS["argument_specs"]["main"]}}
    text = role_docs.render(_role(tmp_path, specs=specs))
    assert "## Entry points" not in text and "## Variables" in text


def _write(tmp_path: pathlib.Path, readme: str | None) -> pathlib.Path:
    role = _role(tmp_path)
    if readme is not None:
        (role / "README.md").write_text(readme)
    return role / "README.md"


def test_prose_above_and_below_the_markers_survives_regeneration(tmp_path: pathlib.Path) -> None:
    readme = _write(tmp_path, "# Demo\n\nWritten by hand.\n\n<!-- BEGIN_ROLE_DOCS -->\nstale\n<!-- END_ROLE_DOCS -->\n\n"
                              "## Troubleshooting\n\nAlso by hand.\n")
    assert role_docs.main(["--check"], root=tmp_path) == 1
    assert role_docs.main([], root=tmp_path) == 0
    text = readme.read_text()
    assert text.startswith("# Demo\n\nWritten by hand.\n\n<!-- BEGIN_ROLE_DOCS -->\n")
    assert text.endswith("<!-- END_ROLE_DOCS -->\n\n## Troubleshooting\n\nAlso by hand.\n")
    assert "stale" not in text and "## Tags" in text
    assert role_docs.main(["--check"], root=tmp_path) == 0


def test_check_compares_only_the_generated_part(tmp_path: pathlib.Path) -> None:
    readme = _write(tmp_path, None)
    assert role_docs.main(["--check"], root=tmp_path) == 1  # missing files are out of date
    assert role_docs.main([], root=tmp_path) == 0
    readme.write_text(readme.read_text().replace("# nova.dgx.demo", "# nova.dgx.demo\n\nNew prose.") + "\nMore prose.\n")
    assert role_docs.main(["--check"], root=tmp_path) == 0
    readme.write_text(readme.read_text().replace("A role for tests.", "Edited by hand."))
    assert role_docs.main(["--check"], root=tmp_path) == 1
    assert (tmp_path / "docs" / "roles" / "demo.md").read_text().startswith("# nova.dgx.demo\n\n<!-- BEGIN_ROLE_DOCS -->\n")


def test_a_file_without_markers_keeps_its_hand_written_text(tmp_path: pathlib.Path) -> None:
    readme = _write(tmp_path, "# Demo role\n\nWritten before the generator existed.\n")
    role_docs.main([], root=tmp_path)
    text = readme.read_text()
    assert text.startswith("# Demo role\n\nWritten before the generator existed.\n\n<!-- BEGIN_ROLE_DOCS -->\n")
    assert text.endswith("<!-- END_ROLE_DOCS -->\n")


def test_the_old_whole_file_output_is_replaced_and_text_around_it_kept(tmp_path: pathlib.Path) -> None:
    old = ("<!-- Generated by scripts/role-docs from roles/demo/meta/argument_specs.yml; do not edit. -->\n\n"
           "# nova.dgx.demo\n\nA role for tests.\n\n## Variables\n\n| variable | type |\n| --- | --- |\n\n## Tags\n\n"
           "`demo` runs everything; `demo_preflight`, `demo_configure` and `demo_verify` run one phase "
           "(verification also answers to `verify`).\n")
    readme = _write(tmp_path, old)
    role_docs.main([], root=tmp_path)
    text = readme.read_text()
    assert text.startswith("# nova.dgx.demo\n\n<!-- BEGIN_ROLE_DOCS -->\n") and text.endswith("<!-- END_ROLE_DOCS -->\n")
    assert "do not edit" not in text and "runs everything;" not in text

    readme.write_text("Intro by hand.\n\n" + old + "\n## Notes\n\nKept.\n")
    role_docs.main([], root=tmp_path)
    text = readme.read_text()
    assert text.startswith("Intro by hand.\n\n<!-- BEGIN_ROLE_DOCS -->\n")
    assert text.endswith("<!-- END_ROLE_DOCS -->\n\n## Notes\n\nKept.\n")
    assert "runs everything;" not in text


def test_broken_markers_are_reported_not_overwritten(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = _write(tmp_path, "Prose.\n<!-- END_ROLE_DOCS -->\n<!-- BEGIN_ROLE_DOCS -->\n")
    assert role_docs.main([], root=tmp_path) == 1
    assert readme.read_text() == "Prose.\n<!-- END_ROLE_DOCS -->\n<!-- BEGIN_ROLE_DOCS -->\n"
    assert "fix the markers by hand" in capsys.readouterr().err


@pytest.mark.parametrize("role", sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()),
                         ids=lambda p: p.name)
def test_each_role_readme_lists_its_own_tags_and_entry_points(role: pathlib.Path) -> None:
    text = (role / "README.md").read_text()
    for step in role_docs.steps(yaml.safe_load((role / "tasks" / "main.yml").read_text())):
        for tag in step.tags:
            assert f"| `{tag}` |" in text
    for entry in yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]:
        assert entry == "main" or f"## Entry point `{entry}`" in text
    for table in _tables(text):
        assert all(len(row) == len(table[0]) for row in table)
