r"""Step-checked sympy derivations, rendered to Markdown.

A :class:`Derivation` is a titled sequence of steps. Every step states a claim
as sympy expressions and is checked *when it is added*; a claim sympy cannot
establish raises :class:`DerivationError` naming the step, so a derivation that
runs to its end is one whose every step was checked. Where a step rests on a
theorem sympy cannot prove, it cites an assumption registered with
:meth:`Derivation.assume`; assumptions are listed at the top of the page, with
the steps that use them, and an unused one is an error (nothing is silent).

The API, in full
----------------
``d = Derivation(title, intro="")``
    The container (one per page, i.e. per ``derivations/<model>.py``).
``d.assume(key, statement, source)``
    Register a cited assumption (a theorem sympy cannot prove); returns ``key``.
``d.section(title, text="")`` and ``d.text(markdown)``
    Headings (numbering the steps ``section.step``) and prose.
``d.equal(label, lhs, rhs, *, why, simplify=...)``
    Checks ``simplify(lhs - rhs) == 0``. ``simplify`` is one callable or a tuple
    applied in turn (default :func:`sympy.simplify`); :func:`align_limits`
    aligns ``Sum``/``Product`` upper limits, as an induction step needs;
    :func:`termwise` simplifies inside sums and products and :func:`split_products`
    splits a product of factors into factors of products.
``d.integral(label, integrand, limits, rhs, *, why)``
    Checks that ``sympy.integrate(integrand, *limits)`` equals ``rhs``.
``d.summation(label, term, limits, rhs, *, why)``
    Checks that ``sympy.summation(term, limits)`` equals ``rhs``.
``d.limit(label, expr, var, point, rhs, *, why)``
    Checks that ``sympy.limit(expr, var, point)`` equals ``rhs``.
``d.series(label, expr, var, point, order, rhs, *, why)``
    Checks that the series of ``expr`` to ``O((var - point)**order)``, without
    its order term, equals ``rhs``.
``d.inequality(label, lhs, rel, rhs, *, why, monotone_in=None)``
    ``rel`` in ``">", ">=", "<", "<="``; sympy must decide the sign of
    ``lhs - rhs`` from the symbols' assumptions. With ``monotone_in=(x, x0)``
    it decides instead that ``lhs - rhs`` vanishes at ``x = x0`` and that its
    derivative in ``x`` has the required sign (so the claim holds for ``x > x0``).
``d.cite(label, lhs, rhs, *, assumption, why, rel="=")``
    A step resting on a registered assumption alone: rendered, not checked
    (``rel`` may also be ``"->"``, e.g. an almost-sure limit).
``d.result(key, expr, *, name, why, used_by="")``
    The final expression of a result (what the package implements); collected
    in ``d.results[key]`` for tests to lambdify.
``d.markdown()`` / ``d.write(path)``
    The page: ``$$ ... $$`` LaTeX, each step's justification and a *checked*
    marker saying how it was checked.

Every step method takes ``name=`` (LaTeX for the quantity the step is about,
rendered in front of the claim) and ``uses=`` (assumption keys a checked step
also rests on), and returns its right-hand side so steps chain. Helpers:
:func:`evaluate` (a result at numbers, via :func:`sympy.lambdify` in mpmath),
:func:`find_checkout`, :func:`render_all` (what ``modelcollapse derive``
runs) and :func:`script_main` (what ``python derivations/<model>.py`` runs).

A derivation module ``derivations/<model>.py`` defines ``build()`` returning its
:class:`Derivation` and ends with
``if __name__ == "__main__": raise SystemExit(script_main(build, __file__))``.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> d = Derivation("Toy")
>>> d.section("Expansion")
>>> d.equal("binomial", (x + 1) ** 2, x**2 + 2 * x + 1, why="Expand the square.")
x**2 + 2*x + 1
>>> try:
...     d.equal("tampered", (x + 1) ** 2, x**2 + 3 * x + 1, why="A wrong coefficient.")
... except DerivationError as err:
...     print(err)
step 1.2 'tampered' of 'Toy' failed: simplify(lhs - rhs) = -x, not 0
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from ._validate import check_int

__all__ = [
    "Assumption",
    "Derivation",
    "DerivationError",
    "Step",
    "align_limits",
    "evaluate",
    "find_checkout",
    "gamma_shift",
    "load_build",
    "render_all",
    "script_main",
    "split_products",
    "termwise",
]

_RELATIONS = {">": r">", ">=": r"\ge", "<": r"<", "<=": r"\le", "=": "=", "->": r"\to"}


class DerivationError(Exception):
    """A step's claim could not be checked (its message names the step)."""


@dataclass(frozen=True)
class Assumption:
    """A cited theorem a derivation rests on without sympy proving it."""

    key: str
    statement: str
    source: str


@dataclass(frozen=True)
class Step:
    """One checked (or cited) claim of a derivation, as rendered."""

    number: str
    label: str
    latex: str
    why: str
    checked: str
    uses: tuple[str, ...] = ()


@dataclass
class _Block:
    kind: str  # "section", "text", "step", "result"
    payload: object


@dataclass
class Derivation:
    """A titled sequence of sympy-checked steps (see the module docstring)."""

    title: str
    intro: str = ""
    assumptions: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    _blocks: list = field(default_factory=list, repr=False)
    _section: int = field(default=0, repr=False)
    _in_section: int = field(default=0, repr=False)

    # ------------------------------------------------------------------ structure

    def assume(self, key, statement, source):
        """Register a cited assumption ``key``; return ``key``."""
        if key in self.assumptions:
            raise DerivationError(f"assumption {key!r} of {self.title!r} is registered twice")
        self.assumptions[key] = Assumption(key, statement, source)
        return key

    def section(self, title, text=""):
        """Start section ``title`` (steps are numbered within it)."""
        self._section += 1
        self._in_section = 0
        self._blocks.append(_Block("section", (self._section, title)))
        if text:
            self.text(text)

    def text(self, markdown):
        """Add a paragraph of prose (Markdown, ``$...$`` math allowed)."""
        self._blocks.append(_Block("text", markdown.strip()))

    # ------------------------------------------------------------------ checked steps

    def equal(self, label, lhs, rhs, *, why, name=None, simplify=None, uses=()):
        """Claim ``lhs = rhs``; checked by ``simplify(lhs - rhs) == 0``."""
        chain = _chain(simplify)
        number = self._next_number()
        self._require_zero(number, label, lhs - rhs, chain, "lhs - rhs")
        return self._add(number, label, _eq(name, lhs, rhs), why,
                         f"{_chain_name(chain, 'lhs − rhs')} = 0", uses, rhs)

    def integral(self, label, integrand, limits, rhs, *, why, name=None, conds="none",
                 simplify=None, uses=()):
        """Claim ``Integral(integrand, *limits) = rhs``; sympy evaluates the integral."""
        limits = _limits(limits)
        chain = _chain(simplify)
        number = self._next_number()
        value = self._attempt(number, label, "integrate",
                              lambda: sp.integrate(integrand, *limits, conds=conds))
        if value.has(sp.Integral):
            self._fail(number, label, f"sympy left the integral unevaluated: {value}")
        self._require_zero(number, label, value - rhs, chain, "integral - rhs")
        return self._add(number, label, _eq(name, sp.Integral(integrand, *limits), rhs), why,
                         f"sympy evaluates the integral; {_chain_name(chain, 'value − rhs')} = 0",
                         uses, rhs)

    def summation(self, label, term, limits, rhs, *, why, name=None, simplify=None, uses=()):
        """Claim ``Sum(term, limits) = rhs``; sympy evaluates the sum."""
        chain = _chain(simplify)
        number = self._next_number()
        value = self._attempt(number, label, "summation", lambda: sp.summation(term, limits))
        if value.has(sp.Sum):
            self._fail(number, label, f"sympy left the sum unevaluated: {value}")
        self._require_zero(number, label, value - rhs, chain, "sum - rhs")
        return self._add(number, label, _eq(name, sp.Sum(term, limits), rhs), why,
                         f"sympy evaluates the sum; {_chain_name(chain, 'value − rhs')} = 0",
                         uses, rhs)

    def limit(self, label, expr, var, point, rhs, *, why, name=None, dir="+", uses=()):
        """Claim ``lim_{var -> point} expr = rhs``; sympy evaluates the limit."""
        number = self._next_number()
        value = self._attempt(number, label, "limit", lambda: sp.limit(expr, var, point, dir))
        if isinstance(value, sp.Limit):
            self._fail(number, label, f"sympy left the limit unevaluated: {value}")
        if not (value == rhs or sp.simplify(value - rhs) == 0):
            self._fail(number, label, f"the limit is {value}, not {rhs}")
        return self._add(number, label, _eq(name, sp.Limit(expr, var, point, dir), rhs), why,
                         "sympy evaluates the limit (`limit`) to the right-hand side",
                         uses, rhs)

    def series(self, label, expr, var, point, order, rhs, *, why, name=None, uses=()):
        """Claim ``expr = rhs + O((var - point)**order)``; sympy expands ``expr``."""
        number = self._next_number()
        value = self._attempt(number, label, "series",
                              lambda: sp.series(expr, var, point, order).removeO())
        self._require_zero(number, label, value - rhs, (sp.simplify,), "series - rhs")
        big_o = sp.Order((var - point) ** order, (var, point))
        return self._add(number, label, _eq(name, expr, rhs + big_o), why,
                         f"sympy expands to order {order} (`series`); the difference of "
                         "the truncated series and the right-hand side simplifies to 0",
                         uses, rhs)

    def inequality(self, label, lhs, rel, rhs, *, why, name=None, monotone_in=None, uses=()):
        """Claim ``lhs rel rhs``; sympy decides the sign of ``lhs - rhs``."""
        if rel not in (">", ">=", "<", "<="):
            raise ValueError(f"rel must be one of '>', '>=', '<', '<=', got rel={rel!r}")
        number = self._next_number()
        gap = sp.simplify(lhs - rhs if rel.startswith(">") else rhs - lhs)
        strict = len(rel) == 1
        side = "lhs − rhs" if rel[0] == ">" else "rhs − lhs"
        if monotone_in is None:
            decided = _sign_decided(gap, strict)
            how = f"sympy decides the sign of {side} from the symbols' assumptions"
        else:
            var, start = monotone_in
            decided, order = _monotone_decided(gap, var, start, strict)
            lower = "it is" if order == 1 else f"it and its first {order - 1} derivative(s) are"
            how = (f"sympy decides that, with $g$ = {side}, {lower} $\\ge 0$ at "
                   f"${sp.latex(var)} = {sp.latex(start)}$ and $g$'s derivative {order} in "
                   f"${sp.latex(var)}$ is {'> 0' if strict else '≥ 0'} beyond it")
        if decided is not True:
            self._fail(number, label, f"sympy cannot decide {gap} {'>' if strict else '>='} 0")
        return self._add(number, label, _rel(name, lhs, _RELATIONS[rel], rhs), why, how,
                         uses, rhs)

    def cite(self, label, lhs, rhs, *, assumption, why, name=None, rel="=", uses=()):
        """A step that rests on the registered ``assumption`` alone (not checked by sympy)."""
        number = self._next_number()
        if assumption not in self.assumptions:
            self._fail(number, label, f"cites unregistered assumption {assumption!r}")
        if rel not in _RELATIONS:
            raise ValueError(f"rel must be one of {sorted(_RELATIONS)}, got rel={rel!r}")
        return self._add(number, label, _rel(name, lhs, _RELATIONS[rel], rhs), why,
                         f"cited, not checked: rests on assumption {assumption}",
                         (assumption, *uses), rhs)

    def result(self, key, expr, *, name, why, used_by=""):
        """Record the final expression ``expr`` of a result under ``key``; return it."""
        if key in self.results:
            raise DerivationError(f"result {key!r} of {self.title!r} is recorded twice")
        self.results[key] = expr
        self._blocks.append(_Block("result", (key, _eq(name, expr, expr), why, used_by)))
        return expr

    # ------------------------------------------------------------------ rendering

    def markdown(self):
        """The derivation as a Markdown page (GitHub and MyST render its ``$$`` math)."""
        used = {key: [s.number for s in self.steps if key in s.uses] for key in self.assumptions}
        unused = [key for key, numbers in used.items() if not numbers]
        if unused:
            raise DerivationError(f"assumptions {unused} of {self.title!r} are cited by no step")
        out = [f"# {self.title}", "",
               "<!-- Generated by `modelcollapse derive`; do not edit by hand. -->", ""]
        if self.intro:
            out += [self.intro.strip(), ""]
        out += [f"Every step below was checked by sympy when this page was generated "
                f"({len(self.steps)} steps), except those that cite an assumption.", ""]
        if self.assumptions:
            out += ["## Cited assumptions", ""]
            for a in self.assumptions.values():
                steps = ", ".join(used[a.key])
                out.append(f"- **{a.key}.** {a.statement} *Source:* {a.source} "
                           f"*Used in step(s)* {steps}.")
            out.append("")
        for block in self._blocks:
            out += _render(block)
        return "\n".join(out).rstrip() + "\n"

    def write(self, path):
        """Write :meth:`markdown` to ``path`` (parents created); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.markdown(), encoding="utf-8")
        return path

    # ------------------------------------------------------------------ internals

    def _next_number(self):
        self._in_section += 1
        return f"{self._section}.{self._in_section}"

    def _fail(self, number, label, detail):
        raise DerivationError(f"step {number} {label!r} of {self.title!r} failed: {detail}")

    def _attempt(self, number, label, what, compute):
        try:
            return compute()
        except (NotImplementedError, ValueError, TypeError) as err:
            self._fail(number, label, f"sympy could not {what}: {err}")
            raise AssertionError("unreachable") from err  # _fail always raises

    def _require_zero(self, number, label, difference, chain, what):
        value = difference
        for f in chain:
            value = f(value)
        if not (value == 0 or value.is_zero is True):
            self._fail(number, label, f"{_chain_name(chain, what)} = {value}, not 0")

    def _add(self, number, label, latex, why, checked, uses, rhs):
        for key in uses:
            if key not in self.assumptions:
                self._fail(number, label, f"uses unregistered assumption {key!r}")
        step = Step(number, label, latex, why.strip(), checked, tuple(uses))
        self.steps.append(step)
        self._blocks.append(_Block("step", step))
        return rhs


# ---------------------------------------------------------------------- rendering helpers


def _latex(expr):
    return expr if isinstance(expr, str) else sp.latex(expr)


def _rel(name, lhs, rel, rhs):
    parts = [_latex(name)] if name is not None else []
    left = _latex(lhs)
    if not parts or parts[-1] != left:
        parts.append(left)
    return f"{' = '.join(parts)} {rel} {_latex(rhs)}"


def _eq(name, lhs, rhs):
    parts = [p for p in (name, lhs, rhs) if p is not None]
    shown = []
    for p in parts:
        text = _latex(p)
        if not shown or shown[-1] != text:
            shown.append(text)
    return " = ".join(shown)


def _render(block):
    if block.kind == "section":
        number, title = block.payload
        return [f"## {number}. {title}", ""]
    if block.kind == "text":
        return [block.payload, ""]
    if block.kind == "step":
        s = block.payload
        uses = f" Rests on {', '.join(s.uses)}." if s.uses and "cited" not in s.checked else ""
        return [f"**Step {s.number} ({s.label}).** {s.why}", "", "$$", s.latex, "$$", "",
                f"*Checked:* {s.checked}.{uses}", ""]
    key, latex, why, used_by = block.payload
    used = f" Implemented by `{used_by}`." if used_by else ""
    return [f"**Result `{key}`.** {why}{used}", "", "$$", latex, "$$", ""]


def _sign_decided(expr, strict):
    """Whether sympy decides ``expr > 0`` (``>= 0``), trying other forms of it too."""
    for form in (expr, sp.factor(expr), sp.logcombine(expr, force=True)):
        if (form.is_extended_positive if strict else form.is_extended_nonnegative) is True:
            return True
    return False


def _monotone_decided(gap, var, start, strict, max_order=3):
    """Decide ``gap > 0`` (``>= 0``) for ``var > start`` from derivatives at ``start``.

    If ``g(start) >= 0`` and ``g' > 0`` beyond ``start`` then ``g > 0`` there
    (fundamental theorem of calculus); ``g'`` is decided the same way, up to
    ``max_order`` derivatives. Returns (decided, order of the derivative decided).
    """
    g = gap
    for order in range(1, max_order + 1):
        if not _sign_decided(sp.simplify(g.subs(var, start)), strict=False):
            return False, order
        g = sp.simplify(sp.diff(g, var))
        if _sign_decided(g, strict):
            return True, order
    return False, max_order


def _limits(limits):
    return [limits] if isinstance(limits, tuple) and not isinstance(limits[0], tuple) \
        else list(limits)


def _chain(simplify):
    if simplify is None:
        return (sp.simplify,)
    return tuple(simplify) if isinstance(simplify, tuple | list) else (simplify,)


def _chain_name(chain, argument):
    """``simplify(gammasimp(argument))`` for the chain ``(gammasimp, simplify)``."""
    for f in chain:
        argument = f"{getattr(f, '__name__', type(f).__name__)}({argument})"
    return argument


# ---------------------------------------------------------------------- sympy helpers


def _sympified(expr):
    """``expr`` as a sympy expression, or a TypeError naming ``expr``."""
    try:
        out = sp.sympify(expr, strict=True)
    except (sp.SympifyError, TypeError, ValueError):
        out = None
    if not isinstance(out, sp.Basic):
        raise TypeError(f"expr must be a sympy expression, got expr={expr!r}")
    return out


def align_limits(expr):
    """Rewrite every ``Sum``/``Product`` to the smallest upper limit among its twins.

    Sums (products) with the same summand, index and lower limit whose upper
    limits differ by a positive integer are rewritten as the shortest one plus
    (times) the peeled terms, so that ``Sum(f, (i, 0, n)) - Sum(f, (i, 0, n - 1))``
    becomes ``f(n)``: the algebra of an induction step. Use as ``simplify=(align_limits,
    sympy.simplify)``.

    Examples
    --------
    >>> import sympy as sp
    >>> i, n = sp.symbols("i n", integer=True, nonnegative=True)
    >>> align_limits(sp.Sum(i**2, (i, 0, n)) - sp.Sum(i**2, (i, 0, n - 1)))
    n**2
    """
    expr = _sympified(expr)
    groups = {}
    for node in expr.atoms(sp.Sum, sp.Product):
        if len(node.limits) != 1:
            continue
        var, low, high = node.limits[0]
        groups.setdefault((type(node), node.function, var, low), []).append(high)
    replace = {}
    for (kind, function, var, low), highs in groups.items():
        offsets = {h: sp.simplify(h - highs[0]) for h in highs}
        aligned = {h: int(o) for h, o in offsets.items() if o.is_Integer}
        base_offset = min(aligned.values())
        base = highs[0] + base_offset
        for high, offset in aligned.items():
            if offset == base_offset:
                continue
            peeled = [function.subs(var, base + k) for k in range(1, offset - base_offset + 1)]
            core = kind(function, (var, low, base))
            replace[kind(function, (var, low, high))] = (
                sp.Add(core, *peeled) if kind is sp.Sum else sp.Mul(core, *peeled))
    return expr.xreplace(replace)


def gamma_shift(expr):
    """Rewrite gamma functions whose arguments differ by integers through the lowest one.

    ``gamma(x + j) = (x)_j gamma(x)`` with the rising factorial expanded, so that
    ratios such as ``gamma(M/2 + 3/2) / gamma(M/2 - 1/2)`` (which
    :func:`sympy.gammasimp` leaves alone at half-integer offsets) cancel to
    polynomials.

    Examples
    --------
    >>> import sympy as sp
    >>> M = sp.Symbol("M", positive=True)
    >>> sp.factor(gamma_shift(sp.gamma(M / 2 + sp.Rational(3, 2)) / sp.gamma(M / 2 - sp.S.Half)))
    (M - 1)*(M + 1)/4
    """
    expr = _sympified(expr)
    args = [g.args[0] for g in expr.atoms(sp.gamma)]
    replace = {}
    for arg in args:
        shifts = [(other, sp.simplify(arg - other)) for other in args]
        base = min((o for o, j in shifts if j.is_Integer and j >= 0),
                   key=lambda o: -sp.simplify(arg - o))
        j = int(sp.simplify(arg - base))
        replace[sp.gamma(arg)] = sp.expand_func(sp.rf(base, j)) * sp.gamma(base)
    return expr.xreplace(replace)


def termwise(*simplifiers):
    """A simplifier applying ``simplifiers`` (in turn) to the term of every ``Sum``/``Product``.

    Examples
    --------
    >>> import sympy as sp
    >>> i, n = sp.symbols("i n", integer=True, nonnegative=True)
    >>> f = termwise(sp.gammasimp)
    >>> f.__name__, f(sp.Product(sp.gamma(i + 2) / sp.gamma(i + 1), (i, 0, n)))
    ('termwise_gammasimp', Product(i + 1, (i, 0, n)))
    """

    def apply(expr):
        def rewrite(node):
            term = node.function
            for f in simplifiers:
                term = f(term)
            return node.func(term, *node.limits)

        return _sympified(expr).replace(lambda e: isinstance(e, sp.Sum | sp.Product), rewrite)

    apply.__name__ = "termwise_" + "_".join(f.__name__ for f in simplifiers)
    return apply


def split_products(expr):
    """Split ``Product(f * g**e)`` into ``Product(f) * Product(g)**e`` (``e`` free of the index).

    Factors free of the index become powers (``Product(2, (i, 0, n - 1)) = 2**n``).

    Examples
    --------
    >>> import sympy as sp
    >>> i, n = sp.symbols("i n", integer=True, nonnegative=True)
    >>> M = sp.IndexedBase("M")
    >>> split_products(sp.Product(2 * M[i] ** 2, (i, 0, n - 1)))
    2**n*Product(M[i], (i, 0, n - 1))**2
    """

    def split(node):
        (var, low, high), = node.limits
        out = sp.S.One
        for factor in sp.Mul.make_args(node.function):
            base, exponent = factor.as_base_exp()
            if not factor.has(var):
                out *= factor ** (high - low + 1)
            elif exponent.has(var):
                out *= sp.Product(factor, (var, low, high))
            else:
                out *= sp.Product(base, (var, low, high)) ** exponent
        return out

    return _sympified(expr).replace(
        lambda e: isinstance(e, sp.Product) and len(e.limits) == 1, split)


def evaluate(expr, values, *, dps=30):
    """``expr`` at numbers, as an mpmath float: the test's view of a result.

    ``values`` maps integer symbols (e.g. the number of generations ``n``) and
    other symbols to numbers, and an :class:`~sympy.IndexedBase` (e.g. ``M``)
    to a sequence. Integer symbols are substituted first and finite sums and
    products expanded (``doit``); the rest is :func:`sympy.lambdify`-ed with
    mpmath at ``dps`` digits.

    Examples
    --------
    >>> import sympy as sp
    >>> i, n = sp.symbols("i n", integer=True, nonnegative=True)
    >>> M = sp.IndexedBase("M")
    >>> float(evaluate(sp.Sum(1 / M[i], (i, 0, n - 1)), {n: 2, M: [2, 4]}))
    0.75
    """
    import mpmath

    dps = check_int("dps", dps, minimum=1, maximum=10_000)
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a dict of symbol -> number or sequence, got {values!r}")
    integers = {s: v for s, v in values.items() if isinstance(s, sp.Symbol) and s.is_integer}
    reals = {s: v for s, v in values.items() if isinstance(s, sp.Symbol) and not s.is_integer}
    arrays = {s: v for s, v in values.items() if isinstance(s, sp.IndexedBase)}
    expanded = _sympified(expr).subs(integers).doit()
    indexed = sorted(expanded.atoms(sp.Indexed), key=str)
    missing = sorted(
        {str(s) for s in expanded.free_symbols - set(reals) if not isinstance(s, sp.Indexed)}
        - {str(x.base) for x in indexed if x.base in arrays}
        | {str(x.base) for x in indexed if x.base not in arrays}
    )
    if missing:
        raise ValueError(
            f"values must give a number (or a sequence, for an IndexedBase) for every free "
            f"symbol of expr, missing {', '.join(missing)}; got values for "
            f"{sorted(str(s) for s in values)}"
        )
    args = list(reals) + indexed
    numbers = list(reals.values())
    for x in indexed:
        if not 0 <= int(x.indices[0]) < len(arrays[x.base]):
            raise ValueError(
                f"values[{x.base}] must have an entry {x}, got {len(arrays[x.base])} entries"
            )
        numbers.append(arrays[x.base][int(x.indices[0])])
    f = sp.lambdify(args, expanded, modules="mpmath")
    with mpmath.workdps(dps):
        return f(*[mpmath.mpf(v) for v in numbers])


# ---------------------------------------------------------------------- pages


def find_checkout(start=None, *, fallback=True):
    """The checkout holding ``derivations/``: ``start`` (default cwd) or a parent of it.

    With ``fallback`` it then tries the checkout this package was imported
    from. Raises ``FileNotFoundError`` naming where it looked.
    """
    start = (Path.cwd() if start is None else Path(start)).resolve()
    candidates = [start, *start.parents]
    if fallback:
        candidates.append(Path(__file__).resolve().parents[2])
    for root in candidates:
        if (root / "derivations").is_dir() and (root / "pyproject.toml").is_file():
            return root
    raise FileNotFoundError(
        f"no derivations/ directory next to a pyproject.toml in {start} or its parents"
        + (" (nor in the package's own checkout)" if fallback else "")
        + ": run from a modelcollapse source checkout"
    )


def load_build(path):
    """Import ``derivations/<model>.py`` from ``path`` and return its ``build`` function."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"_derivation_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "build", None)):
        raise TypeError(f"{path} must define build() returning a Derivation")
    return module.build


def render_all(root, out=None):
    """Render every ``root/derivations/*.py`` to ``out/<model>.md``.

    ``out`` defaults to ``root/docs/derivations``. Returns a list of
    ``(path written, seconds taken)``.
    """
    root = Path(root)
    out = root / "docs" / "derivations" if out is None else Path(out)
    written = []
    for script in sorted((root / "derivations").glob("[!_]*.py")):
        start = time.perf_counter()
        path = load_build(script)().write(out / f"{script.stem}.md")
        written.append((path, time.perf_counter() - start))
    return written


def script_main(build, file, argv=None):
    """Entry point of ``python derivations/<model>.py [--out DIR]``; returns 0."""
    file = Path(file).resolve()
    parser = argparse.ArgumentParser(description=f"Check and render {file.name}.")
    parser.add_argument("--out", type=Path, default=file.parents[1] / "docs" / "derivations",
                        help="directory for the Markdown page (default: docs/derivations)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    path = build().write(args.out / f"{file.stem}.md")
    print(f"{path} ({time.perf_counter() - start:.1f} s)")
    return 0
