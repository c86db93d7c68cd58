"""The layers of README "How the code is organised", checked against the code itself.

`make test` runs `lint-imports` over the contracts in pyproject.toml; these tests pin down
what those contracts alone would not say: that there are no circles at all (between modules
of one package too), that nothing imports an app by a string, and that the contract really
breaks on an import against the layers.
"""

import copy
import re
import tomllib

import pytest
from importlinter.contracts.layers import LayersContract

from tests.architecture.graph import (
    ROOT,
    build_graph,
    circles,
    module_edges,
    package_edges,
    root_packages,
)


@pytest.fixture(scope="module")
def packages():
    return root_packages()


@pytest.fixture(scope="module")
def graph(packages):
    return build_graph(packages)


def layers_contract() -> LayersContract:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (options,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return LayersContract(
        name=options["name"],
        session_options={"root_packages": config["root_packages"]},
        contract_options={"layers": options["layers"]},
    )


def test_no_package_imports_round_a_circle(graph, packages):
    assert circles(package_edges(graph, packages)) == []


def test_no_module_imports_round_a_circle(graph):
    assert circles(module_edges(graph)) == []


def test_the_layers_contract_is_kept(graph):
    assert layers_contract().check(graph, verbose=False).kept


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("core.markdown", "communities.models"),  # the library reaching into an app
        ("notifications.services", "discussions.models"),  # delivery reading a feature
        ("communities.views", "meetings.permissions"),  # a lower app knowing a feature
        ("charter.services.drafts", "discussions.models"),  # two sibling features
    ],
)
def test_an_import_against_the_layers_breaks_the_contract(graph, importer, imported):
    wrong = copy.deepcopy(graph)
    wrong.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    assert not layers_contract().check(wrong, verbose=False).kept


def test_no_app_is_imported_by_a_string(packages):
    by_string = re.compile(r"import_module\(|__import__\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if by_string.search(line)
    ]
    assert offenders == []
