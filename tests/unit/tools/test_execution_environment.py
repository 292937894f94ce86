"""The execution environment (execution-environment.yml, docs/execution-environment.md): `ansible-builder create` writes a
build context whose requirement files are ours as they are, a Containerfile from the pinned base image that installs our
hashed runtime set, and stages that work offline: the galaxy stage's command installs nova.dgx from its tarball with its
dependencies taken from the pinned `ansible` package, and the builder stage's introspection passes our pins and system
packages through unchanged. No registry is reachable here, so the image itself is not built."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import typing as t

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent
EE_FILE = ROOT / "execution-environment.yml"
EE = yaml.safe_load(EE_FILE.read_text())
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
CONTROL = ROOT / "roles" / "n8n" / "files" / "requirements-control.txt"
BINDEP = ROOT / "ee" / "bindep.txt"
COLLECTIONS = ROOT / "ee" / "requirements.yml"
DOC = (ROOT / "docs" / "execution-environment.md").read_text()
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"
TARBALL = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
# Where the image keeps what the stages below write; the test puts each under its own temporary folder.
IMAGE_COLLECTIONS = "/usr/share/ansible/collections"
IMAGE_ROLES = "/usr/share/ansible/roles"


class Context(t.NamedTuple):
    build: pathlib.Path  # the context's _build folder: the stages' working directory (/build)
    containerfile: str
    args: dict[str, str]  # the Containerfile's ARG defaults
    collections: pathlib.Path  # stands for /usr/share/ansible/collections
    galaxy_output: str
    work: pathlib.Path


def _lines(path: pathlib.Path) -> list[str]:
    """A requirements file's lines as ansible-builder's introspection reads them: stripped, no blank or comment lines."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def _env(work: pathlib.Path, collections: pathlib.Path, **extra: str) -> dict[str, str]:
    """No ANSIBLE_* from the caller, an empty home, and the image's one collections path: what the build stages see."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(HOME=str(work / "home"), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", ANSIBLE_COLLECTIONS_PATH=str(collections))
    env.update(extra)
    return env


def _run_step(step: str, args: dict[str, str], places: dict[str, str], cwd: pathlib.Path, env: dict[str, str]) -> str:
    """One RUN line of the Containerfile, here: its ARGs expanded as the build would, the image's paths moved to places."""
    words: list[str] = []
    extra: dict[str, str] = {}
    for word in shlex.split(step.removeprefix("RUN ")):
        if not words and re.fullmatch(r"[A-Z_]+=\S*", word):
            name, value = word.split("=", 1)
            extra[name] = value
        elif word.startswith("$"):
            words += shlex.split(args[word[1:]]) if word[1:] != "PYCMD" else [sys.executable]
        else:
            for image_path, here in places.items():
                word = word.replace(image_path, here)
            words.append(word)
    done = subprocess.run(words, cwd=cwd, env=dict(env, **extra), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _step(containerfile: str, start: str) -> str:
    (line,) = [line for line in containerfile.splitlines() if line.startswith(start)]
    return line


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    work = tmp_path_factory.mktemp("ee")
    (work / "home").mkdir()
    collections = work / "collections"
    created = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(EE_FILE), "-c", str(work / "context"),
                              "--output-filename", "Containerfile"], capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    build = work / "context" / "_build"
    containerfile = (work / "context" / "Containerfile").read_text()
    args = dict(re.findall(r'^ARG (\w+)="(.*)"$', containerfile, re.M))
    env = _env(work, collections)
    # additional_build_files copies build/<tarball> when `make build` has run; this puts a fresh one there either way.
    (build / "collections").mkdir(exist_ok=True)
    built = subprocess.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", str(build / "collections"), str(ROOT)],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    # The galaxy stage, as the Containerfile runs it.
    places = {IMAGE_COLLECTIONS: str(collections), IMAGE_ROLES: str(work / "roles")}
    _run_step(_step(containerfile, "RUN ansible-galaxy role install"), args, places, build, env)
    output = _run_step(_step(containerfile, "RUN ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1 ansible-galaxy collection install"),
                       args, places, build, env)
    return Context(build, containerfile, args, collections, output, work)


def _introspect(ctx: Context, name: str, exclude: bool = True) -> tuple[list[str], list[str]]:
    """The builder stage's introspection, as the Containerfile runs it, over the collections the galaxy stage installed."""
    step = _step(ctx.containerfile, "RUN $PYCMD /output/scripts/introspect.py introspect")
    if not exclude:
        step = re.sub(r" --exclude-collection-reqs=\S+", "", step)
    out = ctx.work / name
    places = {"/output/scripts/": f"{ctx.build}/scripts/", "/tmp/src/": f"{out}/"}
    _run_step(f"{step} {ctx.collections}", ctx.args, places, ctx.build, _env(ctx.work, ctx.collections))
    return (out / "requirements.txt").read_text().splitlines(), (out / "bindep.txt").read_text().splitlines()


def _bundled_versions() -> dict[str, str]:
    """The version of each collection galaxy.yml depends on, as the installed `ansible` package bundles it."""
    root = pathlib.Path(str(importlib.metadata.distribution("ansible").locate_file("ansible_collections")))
    versions = {}
    for fqcn in GALAXY["dependencies"]:
        manifest = json.loads((root.joinpath(*fqcn.split(".")) / "MANIFEST.json").read_text())
        versions[fqcn] = manifest["collection_info"]["version"]
    return versions


def test_the_definition_is_version_3_with_a_pinned_base_image() -> None:
    assert EE["version"] == 3
    name = EE["images"]["base_image"]["name"]
    image, _sep, digest = name.partition("@")
    repository, _colon, tag = image.rpartition("/")[2].partition(":")
    assert repository and (tag or digest), f"{name} names neither a tag nor a digest"
    assert tag != "latest" and ":latest" not in name
    assert not digest or re.fullmatch(r"sha256:[0-9a-f]{64}", digest)


def test_the_context_holds_our_requirement_files_as_they_are(context: Context) -> None:
    assert EE["dependencies"]["python"] == str(CONTROL.relative_to(ROOT))
    assert (context.build / "requirements.txt").read_bytes() == CONTROL.read_bytes()
    assert (context.build / "bindep.txt").read_bytes() == BINDEP.read_bytes()
    assert (context.build / "requirements.yml").read_bytes() == COLLECTIONS.read_bytes()
    assert (context.build / "exclude-collections.txt").read_text().split() == [FQCN]


def test_the_galaxy_requirements_install_the_tarball_make_build_writes() -> None:
    (copied,) = EE["additional_build_files"]
    assert copied == {"src": f"build/{TARBALL}", "dest": "collections"}
    assert "ansible-galaxy collection build --force --output-path build ." in (ROOT / "Makefile").read_text()
    assert yaml.safe_load(COLLECTIONS.read_text()) == {"collections": [{"name": f"collections/{TARBALL}", "type": "file"}]}


def test_the_containerfile_starts_from_the_pinned_image_and_installs_our_hashed_set_first(context: Context) -> None:
    assert context.args["EE_BASE_IMAGE"] == EE["images"]["base_image"]["name"]
    assert "FROM $EE_BASE_IMAGE AS base" in context.containerfile and ":latest" not in context.containerfile
    assert context.args["PYCMD"] == "/usr/bin/python3.11" and context.args["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] == "--offline"
    # No unhashed ansible-core or ansible-runner: dependencies.ansible_core/ansible_runner stay unset.
    assert "ANSIBLE_INSTALL_REFS" not in context.args
    base = context.containerfile.split("FROM base AS galaxy")[0]
    assert "COPY _build/requirements.txt /output/nova-dgx/requirements.txt" in base
    assert "pip install --no-cache-dir --require-hashes --no-deps -r /output/nova-dgx/requirements.txt" in base


def test_the_galaxy_stage_installs_nova_dgx_offline_and_takes_its_dependencies_from_the_ansible_package(context: Context) -> None:
    control_ansible = re.search(r"^ansible==(\S+)", CONTROL.read_text(), re.M)
    assert control_ansible and importlib.metadata.version("ansible") == control_ansible.group(1)
    assert f"{FQCN}:{GALAXY['version']} was installed successfully" in context.galaxy_output
    installed = sorted(f"{ns.name}.{name.name}" for ns in (context.collections / "ansible_collections").iterdir() for name in ns.iterdir())
    assert installed == [FQCN]
    for fqcn, version in _bundled_versions().items():
        wanted = GALAXY["dependencies"][fqcn]
        assert version in SpecifierSet(wanted), f"ansible bundles {fqcn} {version}, galaxy.yml wants {wanted}"
        assert f"'{fqcn}:{version}' is already installed, skipping." in context.galaxy_output


def test_the_builder_stage_passes_our_pins_and_packages_through(context: Context) -> None:
    pip, bindep = _introspect(context, "introspected")
    # The one transformation: indentation and comment lines go; every pin keeps its hashes and continuation lines.
    assert pip == _lines(CONTROL)
    assert bindep == [f"{line}  # from collection user" for line in _lines(BINDEP)]
    # The installed collection carries the development freeze; only the exclusion keeps it out of the image.
    leaked, _unused = _introspect(context, "unexcluded", exclude=False)
    assert any(line.endswith(f"# from collection {FQCN}") for line in leaked)


def test_the_doc_names_the_image_the_bundled_collections_and_the_vault_environment() -> None:
    assert EE["images"]["base_image"]["name"] in DOC
    for fqcn, version in _bundled_versions().items():
        assert f"| {fqcn} | {version} |" in DOC
    plugin_utils = ROOT / "plugins" / "plugin_utils"
    secret = (plugin_utils / "_secret.py").read_text() + (plugin_utils / "_vault_connection.py").read_text()
    for name in ("ANSIBLE_HASHI_VAULT_ROLE_ID", "ANSIBLE_HASHI_VAULT_SECRET_ID", "VAULT_ADDR", "VAULT_CACERT"):
        assert name in secret and f"`{name}`" in DOC
