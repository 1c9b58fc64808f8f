"""Write the course notebooks (notebooks/*.ipynb) from the cell texts in this file.

Edit the notebooks here, then run  python notebooks/make_notebooks.py  (needs nbformat:
pip install -e ".[notebook]"). The .ipynb files are written without outputs, with stable cell
ids, so that a change shows as a small diff; tests/test_notebooks.py checks that the files in
the repository are what this script writes, and runs every notebook in a Jupyter kernel.

Each notebook is written in the "percent" format: a line `# %%` starts a code cell and a line
`# %% [markdown]` starts a markdown cell (its text is written as it is, without `# `).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode

HERE = Path(__file__).resolve().parent

# The first code cell of every notebook: installs stepgrad in Colab; where stepgrad is already
# installed (a checkout installed with pip install -e ".[test]"), pip only says so.
INSTALL = '%pip install -q "stepgrad[draw,plot]"'

START = f"""
# %% [markdown]
Run the next cell first. In Google Colab it installs stepgrad; where stepgrad is already
installed, it does nothing. (If pip cannot find stepgrad, see "In Jupyter or Google Colab" in
stepgrad's README.)

# %%
{INSTALL}
"""

CHAIN_RULE = """
# %% [markdown]
# 1. Local gradients and the chain rule

Every operation in a computation graph knows its **local gradient**: how its output changes
when one of its inputs changes a little. The backward pass multiplies the **upstream**
gradient (how the final output changes with this node) by the local gradient, and sends the
product to the input. That is the chain rule, one edge at a time.
""" + START + """
# %%
from stepgrad import Value, draw, gradcheck, print_backward

# %% [markdown]
## The gates

**add** passes the upstream gradient unchanged to both inputs (its local gradients are 1).

# %%
a = Value(3.0, label="a")
b = Value(-1.0, label="b")
c = a + b
c.label = "c"
c.backward()
print(f"c = {c.data:g}")
print(f"a.grad = {a.grad:g}, b.grad = {b.grad:g}")

# %% [markdown]
**mul** sends each input the upstream gradient times the *other* input.

# %%
a = Value(3.0, label="a")
b = Value(-1.0, label="b")
c = a * b
c.label = "c"
c.backward()
print(f"c = {c.data:g}")
print(f"a.grad = {a.grad:g}, b.grad = {b.grad:g}")

# %% [markdown]
**max** sends the upstream gradient only to the input that was larger; the other input gets
0. ReLU is max(0, x), so it passes the gradient when x > 0 and blocks it when x < 0.

# %%
a = Value(3.0, label="a")
b = Value(-1.0, label="b")
m = a.max(b)
m.label = "m"
m.backward()
print(f"m = {m.data:g}")
print(f"a.grad = {a.grad:g}, b.grad = {b.grad:g}")

# %% [markdown]
**sigmoid** s = 1 / (1 + e^-x) has the local gradient s (1 - s).

# %%
x = Value(0.5, label="x")
s = x.sigmoid()
s.label = "s"
s.backward()
print(f"s = {s.data:.4f}")
print(f"x.grad    = {x.grad:.4f}")
print(f"s (1 - s) = {s.data * (1 - s.data):.4f}")

# %% [markdown]
**Try it:** change the numbers above and run the cells again. When does `max` send the
gradient to `b`? For which x is the sigmoid's gradient largest?

## Upstream x local: f = (x + y) z

The classic example: x = -2, y = 5, z = -4. By hand: q = x + y = 3 and f = q z = -12.
The chain rule gives df/dz = q = 3, df/dq = z = -4, and
df/dx = df/dq * dq/dx = -4 * 1 = -4 (the same for y).

# %%
x = Value(-2.0, label="x")
y = Value(5.0, label="y")
z = Value(-4.0, label="z")
q = x + y
q.label = "q"
f = q * z
f.label = "f"
print(f"q = {q.data:g}, f = {f.data:g}")

# %% [markdown]
Now step through the backward pass, one edge at a time, in the order `backward()` uses.
Each step shows `upstream x local` and what it adds to the input's gradient.

# %%
steps = f.backward_steps()
print(f"the pass has {len(steps)} steps")
print(next(steps))

# %% [markdown]
`draw(f, steps)` draws the graph at the current step: the edge being applied is orange, the
values the pass has not reached yet are grey, and each edge carries its local gradient.
**Run the next cell again** to apply the next step (after the last step, `next` raises
`StopIteration`; to start again, run the cell that makes x, y and z).

# %%
print(next(steps))
draw(f, steps)

# %%
for step in steps:  # the steps that are left
    print(step)
print(f"x.grad = {x.grad:g}, y.grad = {y.grad:g}, z.grad = {z.grad:g}")

# %%
draw(f)

# %% [markdown]
**Try it:** set x = 1 and run the cells from "x = Value" again. Which gradients change?
(df/dx = z does not depend on x.)

## A value used twice: the gradients add up

When one value feeds two nodes, its gradient is the **sum** of what comes back along each
path. Here a feeds both d = a b and e = a + b, and f = d e. With a = 2, b = -3:
d = -6 and e = -1. The path through d brings upstream e = -1 times local b = -3, that is 3;
the path through e brings upstream d = -6 times local 1, that is -6. So df/da = 3 - 6 = -3.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
d = a * b
d.label = "d"
e = a + b
e.label = "e"
f = d * e
f.label = "f"
print_backward(f)  # shows the pass as a table; it changes no gradient
f.backward()  # this fills in the gradients
print(f"a.grad = {a.grad:g}, b.grad = {b.grad:g}")

# %% [markdown]
In the table, a gets two rows: one for each path. Its gradient is -3 only after both.
`print_backward` only shows the pass; `f.backward()` is what stores the gradients.

# %%
draw(f)

# %% [markdown]
## Check it against finite differences

`gradcheck` nudges each input by a tiny h and measures (f(x + h) - f(x - h)) / 2h. If the
engine's chain rule were wrong, the two numbers would differ.

# %%
print(gradcheck(lambda a, b: (a * b) * (a + b), 2.0, -3.0))

# %% [markdown]
## The derivative of a derivative

`grad(y, x, create_graph=True)` gives dy/dx as a Value with a graph of its own, built from
the same local-gradient rules. For y = tanh(x) that graph is 1 - y*y. Its backward pass
(shown by `print_backward`, then run by `backward()`) gives x.grad, the second derivative,
-2 y (1 - y^2).

# %%
from stepgrad import grad

x = Value(0.5, label="x")
y = x.tanh()
y.label = "y"
(dy,) = grad(y, x, create_graph=True)
dy.label = "dy/dx"
print_backward(dy)
dy.backward()
print(f"d2y/dx2 = {x.grad:.4f}, -2 y (1 - y^2) = {-2 * y.data * (1 - y.data ** 2):.4f}")
"""

NEURON_AND_MLP = """
# %% [markdown]
# 2. A neuron and an MLP, edge by edge

A neuron computes a weighted sum of its inputs plus a bias, then an activation. Its backward
pass is the chain rule through each of these operations. An MLP is many neurons in layers;
its backward pass is the same, just longer.
""" + START + """
# %%
from stepgrad import Value, draw
from stepgrad.nn import MLP

# %% [markdown]
## A neuron

Two inputs, two weights, a bias, and tanh: o = tanh(x1 w1 + x2 w2 + b).

# %%
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
n = x1w1 + x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
print(f"n = {n.data:.4f}, o = {o.data:.4f}")

# %% [markdown]
The local gradient of tanh is 1 - o^2. Here o = 0.7071, so it is 1 - 0.5 = 0.5.
The first step of the backward pass uses it:

# %%
steps = o.backward_steps()
print(next(steps))

# %% [markdown]
**Run the next cell again and again** to apply one edge at a time. The orange edge is the
step just applied.

# %%
print(next(steps))
draw(o, steps)

# %% [markdown]
`steps.table()` shows the whole pass: the steps done so far, then a line, then the steps
still to come (it only shows them; it changes nothing). `steps.run()` does the rest:

# %%
print(steps.table())
steps.run()
print(f"w1.grad = {w1.grad:g}, x1.grad = {x1.grad:g}")

# %% [markdown]
**Try it:** why is `w2.grad` 0? (Look at the local gradient of w2 in `x2*w2`.)

## An MLP

`MLP(2, [2, 1], activation="sigmoid")`: 2 inputs, a hidden layer of 2 sigmoid units, and one
linear output. Every parameter has a name: `L1.n2.w1` is layer 1, neuron 2, weight 1.

# %%
model = MLP(2, [2, 1], activation="sigmoid", seed=1)
print(model)
for name, p in model.named_parameters():
    print(f"{name:8} {p.data:+.4f}")

# %% [markdown]
One training sample x = (1, -2) with target r = 1, and the squared error of the notes,
L = 1/2 (r - y)^2. We run the two layers one after the other (this is what `model(x)`
does) to keep the hidden outputs z.

# %%
x = [1.0, -2.0]
r = 1.0
model.zero_grad()  # start from 0: gradients add up over backward passes
z = model.layers[0](x)  # hidden layer: z_i = sigmoid(s_i)
y = model.layers[1](z)  # output layer: y = w_1 z_1 + w_2 z_2 + b
loss = 0.5 * (r - y) ** 2
loss.label = "L"
print(f"z = ({z[0].data:.4f}, {z[1].data:.4f}), y = {y.data:.4f}, L = {loss.data:.4f}")

# %%
steps = loss.backward_steps()
print(f"the pass has {len(steps)} steps")
print(next(steps))

# %% [markdown]
**Run the next cell again** to walk back through the network, edge by edge.

# %%
print(next(steps))
draw(loss, steps)

# %%
steps.run()  # the steps that are left
print(steps.table())

# %% [markdown]
## The hidden-unit delta of the notes

The notes call delta = -dL/ds the error signal of a unit (s is its weighted sum, before the
activation). For the linear output, delta_out = r - y. For hidden unit i:

delta_i = (sum over outputs k of delta_k w_ki) z_i (1 - z_i)

With one output, the sum has one term: delta_i = delta_out w_i z_i (1 - z_i). The engine found
dL/ds_i in the backward pass above. Do the two agree?

# %%
delta_out = r - y.data
w_out = model.layers[1].neurons[0].w  # the output unit's weights w_1, w_2
for i in range(2):
    s_i = z[i].inputs[0]  # the weighted sum that went into the sigmoid
    engine = -s_i.grad
    formula = delta_out * w_out[i].data * z[i].data * (1 - z[i].data)
    print(f"hidden unit {i + 1}: engine {engine:+.10f}, formula {formula:+.10f}")

# %% [markdown]
The update of a hidden weight is "error times input": dw_ij = eta delta_i x_j. Gradient
descent does w <- w - eta dL/dw, so -eta dL/dw must be the same number.

# %%
eta = 0.1
for i, neuron in enumerate(model.layers[0].neurons):
    delta_i = -z[i].inputs[0].grad
    for j, w in enumerate(neuron.w):
        print(f"{w.label}: -eta dL/dw = {-eta * w.grad:+.10f}, "
              f"eta delta_i x_j = {eta * delta_i * x[j]:+.10f}")

# %% [markdown]
**Try it:** set r = 0 and run the cells from "x = [1.0, -2.0]" again: the deltas change
sign. Then make the hidden layer `activation="tanh"` and run everything again: now the
formula cell disagrees. Fix it: tanh's derivative is 1 - z^2, not z (1 - z).
"""

PERCEPTRON_AND_XOR = """
# %% [markdown]
# 3. The perceptron, and an MLP that solves XOR

A perceptron computes s = w . x + b and answers +1 if s > 0, else -1. Its step has no useful
gradient, so it learns with the **perceptron rule** instead: on a sample it gets wrong (target
t), w <- w + eta t x and b <- b + eta t. It can only draw a straight line.
""" + START + """
# %%
%matplotlib inline
import matplotlib.pyplot as plt

from stepgrad import no_grad
from stepgrad.nn import MLP, Adam, Perceptron, and_gate, binary_cross_entropy, or_gate, xor

# %% [markdown]
A small helper to draw a model's answer over the square: blue where it answers 1, red where
it answers 0 (or -1). The circles are samples with target 1, the crosses target 0 (or -1).

# %%
def decision_map(ax, answer, X, t, title):
    \"\"\"Colour the square by answer(x1, x2) (between 0 and 1) and mark the samples.\"\"\"
    grid = [i / 20 - 0.5 for i in range(41)]  # -0.5, -0.45, ..., 1.5
    image = [[answer(x1, x2) for x1 in grid] for x2 in grid]
    ax.imshow(image, origin="lower", extent=(-0.5, 1.5, -0.5, 1.5), cmap="coolwarm_r",
              vmin=0, vmax=1)
    for (x1, x2), target in zip(X, t, strict=True):
        ax.scatter(x1, x2, s=150, color="black", marker="o" if target == 1 else "X")
    ax.set_title(title)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")

# %% [markdown]
## AND and OR: a line is enough

# %%
X, t = and_gate()
print("inputs: ", X)
print("targets:", t)
p_and = Perceptron(2)
print(p_and.fit(X, t))
print(p_and)

# %%
X, t = or_gate()
p_or = Perceptron(2)
print(p_or.fit(X, t))
print(p_or)

# %% [markdown]
## XOR: no line separates it

XOR is 1 when exactly one input is 1. No straight line puts (0, 1) and (1, 0) on one side and
(0, 0) and (1, 1) on the other, so the rule never stops making mistakes. `fit` stops after
`max_epochs` and keeps the best weights it saw: they get 3 of the 4 cases right.

# %%
X, t = xor()
p_xor = Perceptron(2)
result = p_xor.fit(X, t, max_epochs=100)
print(result)
print("mistakes in the first 10 epochs:", result.mistakes[:10])
print(f"best accuracy on XOR: {result.best_accuracy:.0%}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
gates = [("AND", p_and, and_gate), ("OR", p_or, or_gate), ("XOR", p_xor, xor)]
for ax, (name, p, gate) in zip(axes, gates, strict=True):
    X, t = gate()
    decision_map(ax, lambda x1, x2, p=p: 1.0 if p.score([x1, x2]) > 0 else 0.0, X, t,
                 f"perceptron on {name}: {p.accuracy(X, t):.0%}")
fig.tight_layout()
plt.show()

# %% [markdown]
**Try it:** give `Perceptron(2, eta=0.1)` a smaller learning rate. Does AND take more
epochs? Does XOR ever get above 75%?

## An MLP solves XOR

Two layers can: the hidden units draw two lines, and the output combines them ("a
disjunction of conjunctions"). 8 tanh hidden units, a sigmoid output, binary cross-entropy,
and the Adam optimiser, on targets 0 / 1.

# %%
X, r = xor(negative=0)
model = MLP(2, [8, 1], activation="tanh", output_activation="sigmoid", seed=0)
opt = Adam(model.parameters(), lr=0.1)
epochs = 100
for _ in range(epochs):
    loss = binary_cross_entropy([model(x) for x in X], r)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"loss after {epochs} epochs: {loss.data:.4f}")

# %%
with no_grad():  # no graph needed: we only look at the answers
    outputs = [model(x).data for x in X]
for x, target, out in zip(X, r, outputs, strict=True):
    print(f"x = {x}, target {target}, output {out:.3f}, answer {round(out)}")
right = sum(round(out) == target for out, target in zip(outputs, r, strict=True))
print(f"accuracy on XOR: {right / len(X):.0%}")

# %%
def mlp_answer(x1, x2):
    with no_grad():
        return model([x1, x2]).data

fig, ax = plt.subplots(figsize=(5, 4.5))
decision_map(ax, mlp_answer, X, r, "MLP(2, [8, 1]) on XOR")
plt.show()

# %% [markdown]
**Try it:** use `MLP(2, [2, 1], ...)` (only 2 hidden units), or other seeds, or
`activation="relu"`. Which ones still solve XOR in 100 epochs? What does the map look like?
"""

LOSSES = """
# %% [markdown]
# 4. Losses: squared error, cross-entropy, softmax and KL

The loss turns "how wrong is the output" into one number, and its gradient is what the
backward pass sends into the network. Here we look at the gradients the notes derive by hand.
""" + START + """
# %%
%matplotlib inline
import math

import matplotlib.pyplot as plt

from stepgrad import Value
from stepgrad.nn import (
    binary_cross_entropy,
    cross_entropy,
    distribution_cross_entropy,
    entropy,
    kl_divergence,
    softmax,
)

# %% [markdown]
## Squared error or cross-entropy on a sigmoid output?

The output is y = sigmoid(s) and the target is r = 1. When s is very negative, the sigmoid is
flat (it "saturates"): y is near 0, the answer is very wrong, and y hardly moves when s
moves. The notes derive dL/ds for both losses:

- squared error L = 1/2 (r - y)^2: dL/ds = (y - r) y (1 - y), tiny when y is near 0 or 1;
- cross-entropy L = -log y: dL/ds = y - r, large whenever the answer is wrong.

# %%
def loss_gradient(s0, loss_name, r=1.0):
    \"\"\"dL/ds for y = sigmoid(s) at s = s0, computed by the engine.\"\"\"
    s = Value(s0, label="s")
    y = s.sigmoid()
    if loss_name == "squared error":
        loss = 0.5 * (r - y) ** 2
    else:
        loss = binary_cross_entropy(y, r)
    loss.backward()
    return s.grad

s0 = -4.0
y0 = 1 / (1 + math.exp(-s0))
print(f"s = {s0:g}, y = sigmoid(s) = {y0:.4f}, target r = 1")
print(f"squared error: engine dL/ds = {loss_gradient(s0, 'squared error'):.4f}, "
      f"formula (y - r) y (1 - y) = {(y0 - 1) * y0 * (1 - y0):.4f}")
print(f"cross-entropy: engine dL/ds = {loss_gradient(s0, 'cross-entropy'):.4f}, "
      f"formula y - r = {y0 - 1:.4f}")

# %% [markdown]
The same for every s from -8 to 8: on the left, where the answer is most wrong, squared error
gives almost no gradient, so learning is slow. This is why classification uses cross-entropy.

# %%
ss = [i / 10 for i in range(-80, 81)]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(ss, [loss_gradient(s, "squared error") for s in ss], label="squared error")
ax.plot(ss, [loss_gradient(s, "cross-entropy") for s in ss], label="cross-entropy")
ax.axhline(0, color="grey", linewidth=0.5)
ax.set_xlabel("s (target r = 1)")
ax.set_ylabel("dL/ds")
ax.legend()
plt.show()

# %% [markdown]
How much does each loss punish a confident wrong answer? (Target 1, output y.)

# %%
for y_out in [0.9, 0.5, 0.1, 0.01]:
    print(f"y = {y_out:<5} squared error {0.5 * (1 - y_out) ** 2:.3f}   "
          f"cross-entropy {-math.log(y_out):.3f}")

# %% [markdown]
**Try it:** set s0 = 4 (a right, confident answer). Which gradient is smaller now?

## Softmax and cross-entropy give y - r

For several classes, softmax turns the scores s into probabilities y (they add up to 1), and
cross-entropy compares them with the one-hot target r. The notes show that
dL/ds_i = y_i - r_i: the sigmoid case again, one class at a time.

# %%
s = [Value(2.0, label="s1"), Value(1.0, label="s2"), Value(0.1, label="s3")]
r = [1.0, 0.0, 0.0]  # the right answer is class 1
y = softmax(s)
loss = cross_entropy([s], [0])  # class index 0 is the first class
loss.backward()
print("y     =", [round(v.data, 4) for v in y])
print("y - r =", [round(v.data - ri, 4) for v, ri in zip(y, r, strict=True)])
print("dL/ds =", [round(v.grad, 4) for v in s])

# %% [markdown]
**Try it:** make the right answer class 2 (`r = [0.0, 1.0, 0.0]` and `[1]` in
`cross_entropy`). Which gradient is negative now?

## Three classes, the whole data set at once

Three spirals, one class each: 300 points. `batched` takes the loss of **one** point, records
its graph once and replays it for every point, so one training step over all 300 points takes
a few milliseconds. `loss.sample(i)` gives point i's own ordinary graph, where we check y - r
once more.

# %%
from stepgrad import batched
from stepgrad.nn import MLP, Adam, make_spiral

X, T = make_spiral(100, classes=3, seed=0)  # T: class indices 0, 1, 2
model = MLP(2, [16, 16, 3], seed=0)
step = batched(lambda x, t: cross_entropy([model(x)], [t]))  # the loss of ONE point
opt = Adam(model.parameters(), lr=0.02)
for _ in range(100):
    loss = step(X, T)  # the mean over all 300 points
    opt.zero_grad()
    loss.backward()
    opt.step()
right = sum(max(range(3), key=lambda k: model(x)[k].data) == t
            for x, t in zip(X, T, strict=True))
print(f"after 100 epochs: loss {loss.data:.4f}, {right} of {len(X)} points right")

# %%
graph = loss.sample(0)  # point 0 on the ordinary engine
model.zero_grad()
graph.backward()
y = softmax(model(X[0]))
r = [1.0 if k == T[0] else 0.0 for k in range(3)]
print("point 0: y - r =", [round(v.data - rk, 4) for v, rk in zip(y, r, strict=True)])
print("point 0: dL/dz =", [round(n.b.grad, 4) for n in model.layers[-1].neurons])

# %% [markdown]
The gradient at an output neuron's bias is dL/dz for its score z. **Try it:** check point 5
(`loss.sample(5)`, `X[5]`, `T[5]`).

## Entropy, cross-entropy and KL: the coin

A coin lands heads 90% of the time: p = (0.9, 0.1). Our model says 60%: q = (0.6, 0.4).

- entropy H(p) = -sum p log p: how surprised we are on average, knowing p;
- cross-entropy H(p, q) = -sum p log q: how surprised we are when we believe q;
- KL(p || q) = H(p, q) - H(p): the extra surprise, the price of the wrong model.

With logarithms in base 2, the unit is the bit.

# %%
p = [0.9, 0.1]
q = [0.6, 0.4]
H_p = entropy(p, base=2).data
H_pq = distribution_cross_entropy(p, q, base=2).data
KL = kl_divergence(p, q, base=2).data
print(f"H(p)           = {H_p:.4f} bits")
print(f"H(p, q)        = {H_pq:.4f} bits")
print(f"KL(p || q)     = {KL:.4f} bits")
print(f"H(p, q) - H(p) = {H_pq - H_p:.4f} bits")

# %% [markdown]
KL is never negative, and it is 0 only when the model is right (q = p):

# %%
qs = [i / 100 for i in range(2, 99)]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(qs, [kl_divergence(p, [qh, 1 - qh], base=2).data for qh in qs])
ax.plot([0.6], [KL], "o", label="q(heads) = 0.6")
ax.axvline(0.9, color="grey", linestyle=":", label="p(heads) = 0.9")
ax.set_xlabel("q(heads), the model")
ax.set_ylabel("KL(p || q) in bits")
ax.legend()
plt.show()

# %% [markdown]
**Try it:** set q = [0.9, 0.1]: KL becomes 0. Use `base=math.e` to get nats instead of bits.
"""

OPTIMIZERS = """
# %% [markdown]
# 5. Optimisers on one valley

Five ways to walk downhill on the same loss, a curved valley (Rosenbrock's function with a
gentler wall): L(a, b) = (1 - a)^2 + 10 (b - a^2)^2. Its minimum is L = 0 at a = b = 1, at the
end of a long, flat, curved valley floor. We start at (a, b) = (-1.2, 1).
""" + START + """
# %%
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from stepgrad import Value
from stepgrad.nn import SGD, Adagrad, Adam, RMSprop

# %%
def valley(a, b):
    \"\"\"L(a, b) = (1 - a)^2 + 10 (b - a^2)^2, for Values and for plain numbers.\"\"\"
    return (1 - a) ** 2 + 10 * (b - a**2) ** 2

start = (-1.2, 1.0)
print(f"L at the start {start}: {valley(*start):.2f}")
print(f"L at the minimum (1, 1): {valley(1.0, 1.0):g}")

# %% [markdown]
The optimisers of the course, each with a learning rate that works well here:

- **SGD**: w <- w - lr * gradient.
- **SGD with momentum**: keeps a running direction, so it speeds up along the valley and
  damps the zig-zag across it.
- **AdaGrad**: a rate per weight, divided by the root of the summed squared gradients; the
  rate only shrinks.
- **RMSProp**: like AdaGrad, but an average that forgets old gradients (decay 0.99 here, as in
  PyTorch).
- **Adam**: momentum plus RMSProp-style rates, with bias correction.

# %%
optimizers = {
    "SGD": lambda params: SGD(params, lr=0.01),
    "SGD+momentum": lambda params: SGD(params, lr=0.01, momentum=0.9),
    "Adagrad": lambda params: Adagrad(params, lr=0.5),
    "RMSprop": lambda params: RMSprop(params, lr=0.03),
    "Adam": lambda params: Adam(params, lr=0.1),
}

# %% [markdown]
Training is the same loop as for a network: build the loss from Values, then `zero_grad()`,
`backward()`, `step()`. We keep every point (a, b) on the way: the path.

# %%
def walk(make_optimizer, steps=200):
    \"\"\"Train from the start; return the path [(a, b), ...] and the loss at each point.\"\"\"
    a, b = Value(start[0], label="a"), Value(start[1], label="b")
    opt = make_optimizer([a, b])
    path, losses = [(a.data, b.data)], []
    for _ in range(steps):
        loss = valley(a, b)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        path.append((a.data, b.data))
    losses.append(valley(a, b).data)
    return path, losses

results = {name: walk(make) for name, make in optimizers.items()}
for name, (path, losses) in results.items():
    a_end, b_end = path[-1]
    print(f"{name:>12}: after 200 steps (a, b) = ({a_end:.4f}, {b_end:.4f}), "
          f"loss {losses[-1]:.2e}")

# %% [markdown]
## The paths over the loss contours

Each grey line joins points with the same loss (like the height lines of a map). The black
dot is the start, the star the minimum.

# %%
A, B = np.meshgrid(np.linspace(-2.0, 2.0, 300), np.linspace(-1.0, 3.0, 300))
fig, ax = plt.subplots(figsize=(8, 7))
ax.contour(A, B, valley(A, B), levels=np.logspace(-2, 3, 16), colors="grey", linewidths=0.6)
for name, (path, _) in results.items():
    ax.plot([p[0] for p in path], [p[1] for p in path], ".-", markersize=3, linewidth=1,
            label=name)
ax.plot(*start, "ko", markersize=8)
ax.plot(1, 1, "r*", markersize=16)
ax.set_xlim(-2, 2)
ax.set_ylim(-1, 3)
ax.set_xlabel("a")
ax.set_ylabel("b")
ax.legend()
plt.show()

# %% [markdown]
And the loss at every step (log scale):

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for name, (_, losses) in results.items():
    ax.plot(losses, label=name)
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.legend()
plt.show()

# %% [markdown]
**Try it:** change a learning rate in `optimizers` and run the cells again: SGD with
lr=0.002 or lr=0.02, momentum=0.5, Adam with lr=0.01. Which path changes most? Change
`start` to (1.5, -0.5).
"""

NOTEBOOKS = {
    "01_chain_rule.ipynb": CHAIN_RULE,
    "02_neuron_and_mlp.ipynb": NEURON_AND_MLP,
    "03_perceptron_and_xor.ipynb": PERCEPTRON_AND_XOR,
    "04_losses.ipynb": LOSSES,
    "05_optimizers.ipynb": OPTIMIZERS,
}


def cells(text: str) -> list[tuple[str, str]]:
    """Split a percent-format text into (kind, source) pairs, kind 'markdown' or 'code'."""
    out: list[tuple[str, list[str]]] = []
    for line in text.strip("\n").splitlines():
        if line in ("# %%", "# %% [markdown]"):
            out.append(("markdown" if line.endswith("[markdown]") else "code", []))
        elif not out:
            raise ValueError(f"text before the first cell marker: {line!r}")
        else:
            out[-1][1].append(line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in out]


def build(text: str) -> NotebookNode:
    """The notebook (an nbformat NotebookNode) for one percent-format text, without outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells(text), start=1):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, id=f"cell-{i:02d}"))
    nbformat.validate(nb)
    return nb


def render(text: str) -> str:
    """The .ipynb file's text for one notebook."""
    import nbformat

    return nbformat.writes(build(text)) + "\n"


def main() -> int:
    """Write every notebook next to this script; print what changed."""
    for name, text in NOTEBOOKS.items():
        path = HERE / name
        new = render(text)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
