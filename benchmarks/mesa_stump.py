"""The growth-cone stump model written agent by agent in Mesa: the baseline for ``bench_stump.py``.

The rules are those of :mod:`neurectomy.regrowth.stump` (read its module docstring), on the same resolved numbers
(:func:`~neurectomy.regrowth.stump.stump_rules`), written the way a Mesa user would: one ``Axon`` agent per axon,
one ``Cone`` agent per growth cone, each with a ``step`` method drawing its own random numbers from the model's
``random``. The two implementations agree in distribution, not per seed (``tests/test_stump.py`` checks this).
Not part of the package; needs ``mesa>=3`` (the ``dev`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from neurectomy.methods import EndTreatment, Method
from neurectomy.regrowth.stump import StumpResult, StumpRules, step_constants, stump_rules
from neurectomy.rng import check_random_state


class Axon(mesa.Agent):  # type: ignore[misc]
    """One axon of the proximal stump: sealed or not; sprouts one growth cone after its latency (the rules' latency,
    times ``exp(spread * z)`` per axon where the rules have a latency spread)."""

    def __init__(self, model: StumpModel) -> None:
        super().__init__(model)
        u = model.random.random()
        self.sealed = u < model.rules.seal
        self.aligned = not self.sealed and u < model.rules.seal + (1.0 - model.rules.seal) * model.rules.aligned
        spread = model.rules.latency_spread
        self.latency = model.rules.latency * (math.exp(model.random.gauss(0.0, spread)) if spread > 0 else 1.0)
        self.sprouted = False
        self.created = 0
        self.reached = False

    def sprout(self) -> None:
        m: StumpModel = self.model
        if self.sprouted or self.sealed or m.t < self.latency or m.random.random() >= m.c.p_sprout:
            return
        self.sprouted = True
        self.created += 1
        m.sprouts += 1
        r = m.rules
        y = m.random.uniform(-r.nerve_radius, r.nerve_radius)
        ang = m.random.gauss(0.0, r.initial_heading)
        channelled = r.tubes_intact or self.aligned
        Cone(m, self, 0.0, y, math.cos(ang), math.sin(ang), channelled)
        if not channelled and y * y <= m.c.r_neuroma2:
            m.tips += 1

    def reach(self) -> None:
        """A cone of this axon reached a target (counted once per axon)."""
        if not self.reached:
            self.reached = True
            self.model.n_reached += 1


class Cone(mesa.Agent):  # type: ignore[misc]
    """One growth cone: moves, may be captured (distal tube or muscle target), may branch."""

    def __init__(
        self, model: StumpModel, axon: Axon, x: float, y: float, hx: float, hy: float, channelled: bool
    ) -> None:
        super().__init__(model)
        self.axon = axon
        self.x = x
        self.y = y
        self.hx = hx
        self.hy = hy
        self.channelled = channelled

    def step(self) -> None:
        m: StumpModel = self.model
        r = m.rules
        c = m.c
        rnd = m.random
        m.moves += 1
        # 1. move
        if self.channelled:
            self.x += c.v_tube * max(1.0 + r.tube_speed_noise * rnd.gauss(0.0, 1.0), 0.0)
            if self.x >= c.end_x:
                self.axon.reach()
                self.remove()
            return
        j = int(rnd.random() * m.n_tab)
        cs, sn = m.turn_cos[j], m.turn_sin[j]
        hx = cs * self.hx - sn * self.hy
        hy = sn * self.hx + cs * self.hy
        if c.pull > 0.0:
            dx, dy = r.gap - self.x, -self.y
            sd = c.range2 + dx * dx + dy * dy
            w = c.pull / (sd * sd)
            hx, hy = hx + w * dx, hy + w * dy
            norm = math.sqrt(hx * hx + hy * hy)
            hx, hy = hx / norm, hy / norm
        x = self.x + c.v_scar * hx
        y = self.y + c.v_scar * hy
        if x < 0.0 and abs(y) <= r.nerve_radius:
            x, hx = -x, -hx
        self.x, self.y, self.hx, self.hy = x, y, hx, hy
        # 2. capture
        u = rnd.random()
        if u < c.p_entry and x >= r.gap and abs(y) <= r.nerve_radius:
            self.channelled = True
            return
        for cx, cy, cr2, cp in c.targets:
            if u < cp and (x - cx) ** 2 + (y - cy) ** 2 <= cr2:
                self.axon.reach()
                self.remove()
                return
        inside = x * x + y * y <= c.r_neuroma2
        if inside:
            m.tips += 1
        # 3. branch
        if rnd.random() < c.p_branch and self.axon.created < r.max_cones:
            self.axon.created += 1
            m.sprouts += 1
            jb = int(rnd.random() * m.n_tab)
            bc, bs = m.branch_cos[jb], m.branch_sin[jb]
            Cone(m, self.axon, x, y, bc * hx - bs * hy, bs * hx + bc * hy, False)
            if inside:
                m.branch_pts += 1
                m.tips += 1


class StumpModel(mesa.Model):  # type: ignore[misc]
    """A stump of ``n_axons`` axons; ``step`` advances ``dt`` days: cones step, then axons sprout."""

    def __init__(self, rules: StumpRules, n_axons: int, dt: float, rng: Any = None) -> None:
        super().__init__(rng=check_random_state(rng))
        self.rules = rules
        self.c = step_constants(rules, dt)
        self.turn_cos = self.c.turn_cos.tolist()
        self.turn_sin = self.c.turn_sin.tolist()
        self.branch_cos = self.c.branch_cos.tolist()
        self.branch_sin = self.c.branch_sin.tolist()
        self.n_tab = len(self.turn_cos)
        self.dt = dt
        self.t = 0.0
        self.n_axons = n_axons
        self.axons = AgentSet([Axon(self) for _ in range(n_axons)], random=self.random)
        self.first_latency = min((a.latency for a in self.axons), default=rules.latency)
        self.sprouts = 0
        self.branch_pts = 0
        self.n_reached = 0
        self.tips = 0
        self.moves = 0

    def step(self) -> None:
        self.t += self.dt
        self.tips = 0
        cones = self.agents_by_type.get(Cone)
        if cones is not None and len(cones):
            cones.shuffle_do("step")
        if self.t >= self.first_latency:
            self.axons.shuffle_do("sprout")

    def stats(self) -> tuple[float, float, float, float]:
        """(reached fraction, neuroma index, sprouts, live cones) now."""
        cones = self.agents_by_type.get(Cone)
        return (
            self.n_reached / self.n_axons,
            (self.branch_pts + self.tips) / self.n_axons,
            float(self.sprouts),
            float(len(cones) if cones is not None else 0),
        )


def simulate_stump_mesa(
    method: Method | str,
    end_treatments: Sequence[EndTreatment | str] = (),
    *,
    n_axons: int = 200,
    days: float = 180.0,
    dt: float = 1.0,
    gap_mm: float | None = None,
    distance_mm: float | None = None,
    rng: Any = None,
    rules: StumpRules | None = None,
) -> StumpResult:
    """Same signature and result as :func:`neurectomy.regrowth.stump.simulate_stump`, run agent by agent.

    ``rules`` replaces the rules resolved from the method and end treatments (``bench_stump.py`` runs every
    implementation on a deterministic variant of them).
    """
    if rules is None:
        rules = stump_rules(method, end_treatments, gap_mm=gap_mm, distance_mm=distance_mm)
    steps = round(days / dt)
    model = StumpModel(rules, n_axons, dt, rng)
    rows = [(0.0, 0.0, 0.0, 0.0)]
    for _ in range(steps):
        model.step()
        rows.append(model.stats())
    arr = np.array(rows, dtype=np.float64)
    return StumpResult(
        days=np.arange(steps + 1, dtype=np.float64) * dt,
        reached=arr[:, 0],
        neuroma=arr[:, 1],
        sprouts=arr[:, 2],
        active=arr[:, 3],
        n_axons=n_axons,
        agent_steps=model.moves,
        rules=rules,
    )
