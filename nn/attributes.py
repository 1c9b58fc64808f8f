"""What a module holds in its attributes: its parameters and its parts, found as PyTorch does.

A `Module` that does not write its own `parameters()` gets every parameter it holds:

- a Value that no operation made (`Value(0.5)`: a weight, a bias), set as an attribute;
- such Values in a list, a tuple or a dict set as an attribute;
- the parameters of each module it holds (in an attribute, a list, a tuple or a dict).

They come in the order the attributes were set, each one once (two parts that share a
parameter give it once). A Value an operation made (`self.last = loss`, a result you kept) is
not a parameter: it is skipped, also when it was made inside `no_grad()` (a prediction kept
there looks just like a starting value computed there): make a weight with `Value(number)`.

>>> from stepgrad import Value
>>> from stepgrad.nn import Layer, Module
>>> class Net(Module):
...     def __init__(self):
...         self.hidden = Layer(2, 3, seed=0)
...         self.scale = Value(1.0, label="scale")
...     def forward(self, x):
...         return [self.scale * h for h in self.hidden(x)]
>>> net = Net()
>>> len(net.parameters()), net.parameters()[-1].label
(10, 'scale')
"""

from __future__ import annotations

from typing import Any

from stepgrad import Value

MAX_SHOWN = 12  # lines of parts a module's repr shows before "... (N more)"


def is_parameter(x: Any) -> bool:
    """True for a Value that no operation made (an input or a weight you can train)."""
    return type(x) is Value and x.operation is None


def parts(module: Any) -> list[tuple[str, Any]]:
    """(name, item) for each module or parameter held in `module`'s attributes, in the order
    they were set: "hidden", "layers[0]", "heads['a']" (lists, tuples and dicts opened once)."""
    from stepgrad.nn.module import Module

    def wanted(x: Any) -> bool:
        return isinstance(x, Module) or is_parameter(x)

    found: list[tuple[str, Any]] = []
    for name, item in getattr(module, "__dict__", {}).items():
        if wanted(item):
            found.append((name, item))
        elif isinstance(item, (list, tuple)):
            found += [(f"{name}[{i}]", x) for i, x in enumerate(item) if wanted(x)]
        elif isinstance(item, dict):
            found += [(f"{name}[{k!r}]", x) for k, x in item.items() if wanted(x)]
    return found


def parameters_of(module: Any) -> list[Value]:
    """Every parameter `module` holds, its parts' included, each once (see the module doc).

    A part whose class writes its own `parameters()` is asked for them; the others are
    opened in turn. A module that holds itself (or one of the modules holding it) is opened
    only once, so a back reference such as `self.parent` does no harm.
    """
    from stepgrad.nn.module import Module, parameter_list

    out: list[Value] = []
    seen_values: set[int] = set()
    opened: set[int] = {id(module)}
    stack = [item for _, item in reversed(parts(module))]
    while stack:
        item = stack.pop()
        if isinstance(item, Module):
            if id(item) in opened:
                continue
            opened.add(id(item))
            if writes_own_parameters(item):
                found = parameter_list(item)  # a list, also if it yields them
            else:
                stack += [x for _, x in reversed(parts(item))]
                continue
        else:
            found = [item]
        for p in found:
            if id(p) not in seen_values:
                seen_values.add(id(p))
                out.append(p)
    return out


def modules_in(module: Any) -> list[Any]:
    """`module` and every module held in it, at any depth (through parts that write their
    own `parameters()` too), each once."""
    found = [module]
    opened = {id(module)}
    i = 0
    while i < len(found):
        for _, item in parts(found[i]):
            if _is_module(item) and id(item) not in opened:
                opened.add(id(item))
                found.append(item)
        i += 1
    return found


def parameter_paths(module: Any) -> dict[int, str]:
    """id(parameter) -> its path from `module`, as PyTorch names it: 'scale', 'hidden.L1.n1.w1'
    (a part that writes its own `parameters()` gives its `named_parameters()`), each parameter
    under the first path that reaches it (as `parameters_of` finds it first)."""
    from stepgrad.nn.module import Module

    names: dict[int, str] = {}
    opened: set[int] = {id(module)}

    def visit(holder: Any, prefix: str) -> None:
        for name, item in parts(holder):
            if not isinstance(item, Module):
                names.setdefault(id(item), prefix + name)
            elif id(item) not in opened:
                opened.add(id(item))
                if writes_own_parameters(item):
                    for sub, p in item.named_parameters():
                        names.setdefault(id(p), f"{prefix}{name}.{sub}")
                else:
                    visit(item, f"{prefix}{name}.")

    visit(module, "")
    return names


def writes_own_parameters(module: Any) -> bool:
    """True for a module whose class writes its own `parameters()` (MLP, Layer, a micrograd-
    style class): it is asked for them, not opened."""
    from stepgrad.nn.module import Module

    return type(module).parameters is not Module.parameters


def _is_module(x: Any) -> bool:
    from stepgrad.nn.module import Module

    return isinstance(x, Module)


def describe_parts(module: Any) -> str:
    """The repr of a module written by a learner: its name and parameter count, then one line
    per part (a nested module's lines indented under it)."""
    from stepgrad.words import plural

    head = f"{type(module).__name__}: {plural(module.num_parameters(), 'parameter')}"
    lines = [head]
    found = parts(module)
    for name, item in found[:MAX_SHOWN]:
        lines.append(f"  {name}: " + repr(item).replace("\n", "\n  "))
    if len(found) > MAX_SHOWN:
        lines.append(f"  ... ({len(found) - MAX_SHOWN} more)")
    return "\n".join(lines)
