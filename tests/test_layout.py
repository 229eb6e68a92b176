"""The layout shows the architecture: layered packages, explicit ``__all__``, no upward imports."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import acsim

PACKAGE = Path(acsim.__file__).parent
LAYERS = ["spec", "model", "policies", "analysis", "costs", "experiments", "evidence", "cli"]
MODULES = sorted(
    m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="acsim.")
    if not m.name.endswith("__main__")
)


def test_the_package_is_the_layers_and_nothing_flat():
    flat = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert flat == ["exceptions"], flat
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted([*LAYERS, "data"])


@pytest.mark.parametrize("name", [m for m in MODULES if not m.endswith("__init__")])
def test_every_module_declares_all_and_its_names_exist(name):
    module = importlib.import_module(name)
    if name.count(".") == 1 and Path(module.__file__).name == "__init__.py" and not hasattr(
            module, "__all__"):
        return  # a layer's __init__ that only documents the layer
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names {missing}, which it does not define"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("acsim."):
            out.add(node.module.split(".")[1])
    return out


def test_the_model_imports_no_layer_above_it():
    """The model may use the spec and the policy protocol; nothing of analysis, costs, ..."""
    above = {"analysis", "costs", "experiments", "evidence", "cli"}
    for path in (PACKAGE / "model").glob("*.py"):
        bad = _imports(path) & above
        assert not bad, f"{path.name} imports {sorted(bad)}"
