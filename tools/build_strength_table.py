"""Build ``src/neurectomy/data/strength_table.json``: each MyoSuite muscle's maximal isometric torque per joint motion.

Run: ``.venv/bin/python tools/build_strength_table.py [--check]`` (needs the ``strength`` extra: ``mujoco`` and
``myo-sim``). ``--check`` rebuilds in memory and exits 1 when the shipped file differs (the test does the same).

What is computed (the runtime, :mod:`neurectomy.strength`, never imports MuJoCo; it reads this file):

* **Models**: MyoLegs (``myo_sim.load_model("myolegs")``, 40 muscles per leg, derived from Rajagopal et al. 2016;
  the right leg is used, the left is its mirror image) and MyoArm (``"myoarm_r"``, 63 muscles of shoulder, arm,
  forearm and hand; MyoHand's 39 muscles are the forearm and hand muscles of MyoArm under the same names with an
  ``_r`` suffix, so MyoArm covers both). Meshes are irrelevant to muscle paths; the models compile from the wheel.
* **Posture grid** (one per motion): the motion's coordinate(s) at ``GRID`` evenly spaced values over the model's
  joint range, each end pulled in by ``MARGIN`` of the range (muscle paths at the hard limits are the least
  trustworthy part of a model); every other coordinate at the model's reference posture (0: anatomical position,
  knee and elbow extended, forearm neutral, fingers and thumb extended), except the fixed coordinates a motion
  names (the plane of elevation for shoulder flexion vs abduction; the elbow at 90° for pronation and supination,
  the clinical test posture, where biceps supinates). Each motion records the posture of every other joint
  (``other_joints_deg``) in the table. Coupled coordinates (knee translations and patella, shoulder girdle rhythm)
  follow the model's joint equality constraints.
* **Movers** (``MOVERS``): finger ab/adduction counts the interossei and abductor digiti minimi only, thumb
  abduction and opposition leave flexor pollicis longus out; each with its reason in the table (``movers``).
* **Torque**: for each muscle at full activation, force = F_max × active force–length factor at that posture
  (``mju_muscleGain`` at zero velocity: MuJoCo's muscle model with the model's own parameters; passive force is
  left out, as it is not strength), moment arm = ``data.actuator_moment`` after ``mj_forward`` (∂length/∂q),
  projected on the motion's independent coordinate through the coupled coordinates (∂q/∂q_motion by central
  differences of the constraint polynomials). The moment arm is cross-checked against the tendon-excursion
  definition −∂L/∂q (they must agree). The torque a muscle gives *to a motion* is its torque along the motion's
  direction, kept only when positive (a muscle opposing the motion does not take strength away from it).
* **Sign checks**: each motion names a prime mover (e.g. vastus lateralis for knee extension); the build fails if
  that muscle does not act in the motion's direction at mid-range and on average over the grid, so a flipped
  joint convention cannot slip through.
* **Muscle map** (``src/neurectomy/strength_map.yaml``) is copied in, and for actuators that stand for one part of
  a muscle (triceps heads, deltoid parts, …) the part's supply paths are taken from the packaged atlas, so the
  runtime can tell which part a cut reaches without the atlas.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "neurectomy" / "data" / "strength_table.json"
MAP = ROOT / "src" / "neurectomy" / "strength_map.yaml"
GRID = 7
MARGIN = 0.1

# motion: (model, joint name in words, {coordinate: weight} (sign = direction), fixed coordinates (deg), prime mover)
Motion = tuple[str, str, dict[str, float], dict[str, float], str]
MOTIONS: dict[str, Motion] = {
    # ---- lower limb (MyoLegs, right leg; OpenSim conventions of Rajagopal 2016)
    "hip flexion": ("legs", "hip", {"hip_flexion_r": 1}, {}, "iliacus_r"),
    "hip extension": ("legs", "hip", {"hip_flexion_r": -1}, {}, "glmax2_r"),
    "hip abduction": ("legs", "hip", {"hip_adduction_r": -1}, {}, "glmed2_r"),
    "hip adduction": ("legs", "hip", {"hip_adduction_r": 1}, {}, "addlong_r"),
    "hip internal rotation": ("legs", "hip", {"hip_rotation_r": 1}, {}, "glmin1_r"),
    "hip external rotation": ("legs", "hip", {"hip_rotation_r": -1}, {}, "piri_r"),
    "knee extension": ("legs", "knee", {"knee_angle_r": -1}, {}, "vaslat_r"),
    "knee flexion": ("legs", "knee", {"knee_angle_r": 1}, {}, "semiten_r"),
    "ankle dorsiflexion": ("legs", "ankle", {"ankle_angle_r": 1}, {}, "tibant_r"),
    "ankle plantarflexion": ("legs", "ankle", {"ankle_angle_r": -1}, {}, "soleus_r"),
    "foot inversion": ("legs", "subtalar joint", {"subtalar_angle_r": 1}, {}, "tibpost_r"),
    "foot eversion": ("legs", "subtalar joint", {"subtalar_angle_r": -1}, {}, "perlong_r"),
    "toe extension": ("legs", "toes (MTP)", {"mtp_angle_r": -1}, {}, "edl_r"),
    "toe flexion": ("legs", "toes (MTP)", {"mtp_angle_r": 1}, {}, "fdl_r"),
    # ---- upper limb (MyoArm, right). Signs follow the model's muscles, checked by the prime movers: pro_sup > 0 is
    # pronation, deviation > 0 radial deviation, cmc_flexion < 0 and ip_flexion < 0 are flexion of the thumb
    "shoulder flexion": ("arm", "shoulder", {"shoulder_elv_r": 1}, {"elv_angle_r": 90}, "DELT1"),
    "shoulder extension": ("arm", "shoulder", {"shoulder_elv_r": -1}, {"elv_angle_r": 90}, "LAT2"),
    "shoulder abduction": ("arm", "shoulder", {"shoulder_elv_r": 1}, {"elv_angle_r": 0}, "DELT2"),
    "shoulder adduction": ("arm", "shoulder", {"shoulder_elv_r": -1}, {"elv_angle_r": 0}, "TMAJ"),
    "shoulder internal rotation": ("arm", "shoulder", {"shoulder_rot_r": 1}, {}, "SUBSC"),
    "shoulder external rotation": ("arm", "shoulder", {"shoulder_rot_r": -1}, {}, "INFSP"),
    "elbow flexion": ("arm", "elbow", {"elbow_flexion_r": 1}, {}, "BRA"),
    "elbow extension": ("arm", "elbow", {"elbow_flexion_r": -1}, {}, "TRIlat"),
    # forearm rotation is tested with the elbow at 90 degrees (arm at the side), where biceps is the strongest
    # supinator; with the elbow extended biceps has almost no supination moment and a radial lesion would look like
    # the loss of most supination (review 17, finding 3)
    "forearm supination": ("arm", "forearm", {"pro_sup_r": -1}, {"elbow_flexion_r": 90}, "SUP"),
    "forearm pronation": ("arm", "forearm", {"pro_sup_r": 1}, {"elbow_flexion_r": 90}, "PQ"),
    "wrist extension": ("arm", "wrist", {"flexion_r": -1}, {}, "ECRB"),
    "wrist flexion": ("arm", "wrist", {"flexion_r": 1}, {}, "FCR"),
    "wrist radial deviation": ("arm", "wrist", {"deviation_r": 1}, {}, "ECRL"),
    "wrist ulnar deviation": ("arm", "wrist", {"deviation_r": -1}, {}, "ECU"),
    "finger flexion (grip)": (
        "arm",
        "fingers (MCP)",
        {"mcp2_flexion_r": 1, "mcp3_flexion_r": 1, "mcp4_flexion_r": 1, "mcp5_flexion_r": 1},
        {},
        "FDS3",
    ),
    "finger flexion (PIP)": (
        "arm",
        "fingers (PIP)",
        {"pm2_flexion_r": 1, "pm3_flexion_r": 1, "pm4_flexion": 1, "pm5_flexion_r": 1},
        {},
        "FDS3",
    ),
    "finger flexion (DIP)": (
        "arm",
        "fingers (DIP)",
        {"md2_flexion_r": 1, "md3_flexion": 1, "md4_flexion_r": 1, "md5_flexion_r": 1},
        {},
        "FDP3",
    ),
    "finger extension": (
        "arm",
        "fingers (MCP)",
        {"mcp2_flexion_r": -1, "mcp3_flexion_r": -1, "mcp4_flexion_r": -1, "mcp5_flexion_r": -1},
        {},
        "EDC3",
    ),
    # spreading the fingers away from the middle finger: index radially, ring and little ulnarly (signs checked
    # against the first dorsal interosseous below and the fourth dorsal interosseous in "finger adduction")
    "finger abduction": (
        "arm",
        "fingers (MCP)",
        {"mcp2_abduction_r": 1, "mcp4_abduction_r": -1, "mcp5_abduction_r": -1},
        {},
        "RI2",
    ),
    "finger adduction": (
        "arm",
        "fingers (MCP)",
        {"mcp2_abduction_r": -1, "mcp4_abduction_r": 1, "mcp5_abduction_r": 1},
        {},
        "UI_UB2",
    ),
    "thumb abduction": ("arm", "thumb (CMC)", {"cmc_abduction": 1}, {}, "APL"),
    "thumb opposition": ("arm", "thumb (CMC)", {"cmc_flexion": -1, "cmc_abduction": 1}, {}, "OP"),
    "thumb IP flexion (tip pinch)": ("arm", "thumb (IP)", {"ip_flexion_r": -1}, {}, "FPL"),
    "thumb extension": ("arm", "thumb (IP)", {"ip_flexion_r": 1}, {}, "EPL"),
}
MODELS = {"legs": "myolegs", "arm": "myoarm_r"}

# Motions whose torque is counted from named muscles only, with the reason. Elsewhere every muscle with a positive
# torque along the motion counts. These motions are side-to-side or CMC motions where the model's long finger and
# thumb muscles have moment arms at the reference posture that clinical examination does not attribute to them:
# finger ab/adduction is the interossei's (and abductor digiti minimi's) test, with the MCP joints extended (card
# test, Froment; gray42, moore9), and the thumb's palmar abduction and opposition are thenar/APL motions that an
# anterior interosseous palsy (flexor pollicis longus lost) leaves intact (moore9). Counted with all muscles, the
# long flexors and extensors made up half or more of these motions (review 17, findings 1 and 2).
MOVERS: dict[str, tuple[tuple[str, ...], str]] = {
    "finger abduction": (
        ("RI2", "UI_UB4", "UI_UB5"),
        "interossei and abductor digiti minimi only: first dorsal interosseous (index), fourth dorsal interosseous "
        "(ring), abductor digiti minimi (little); the middle finger moves both ways and is left out (gray42; moore9)",
    ),
    "finger adduction": (
        ("UI_UB2", "RI4", "RI5"),
        "palmar interossei only: first (index), second (ring), third (little) (gray42; moore9)",
    ),
    "thumb abduction": (
        ("APL", "OP"),
        "abductor pollicis longus and opponens pollicis: flexor pollicis longus is left out (it flexes the thumb; "
        "an anterior interosseous palsy leaves palmar abduction intact, moore9); abductor pollicis brevis, the main "
        "palmar abductor, is not in MyoHand, so a median loss here is understated",
    ),
    "thumb opposition": (
        ("OP", "APL"),
        "opponens pollicis (the model's only thenar muscle) and abductor pollicis longus: flexor pollicis longus "
        "is left out (see thumb abduction); abductor pollicis brevis and flexor pollicis brevis are not in MyoHand",
    ),
}


def _load(key: str) -> Any:
    import warnings

    import myo_sim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return myo_sim.load_model(MODELS[key])


class Posture:
    """Sets independent coordinates and lets the coupled ones follow the model's joint equality constraints."""

    def __init__(self, model: Any) -> None:
        import mujoco

        self.m = model
        self.mj = mujoco
        self.eqs = [
            (int(model.eq_obj1id[i]), int(model.eq_obj2id[i]), np.array(model.eq_data[i, :5]))
            for i in range(model.neq)
            if int(model.eq_type[i]) == int(mujoco.mjtEq.mjEQ_JOINT) and model.eq_active0[i] and model.eq_obj2id[i] >= 0
        ]

    def jid(self, name: str) -> int:
        return int(self.m.joint(name).id)

    def qpos(self, values: dict[str, float]) -> np.ndarray:
        q = np.array(self.m.qpos0, dtype=float)
        for name, v in values.items():
            q[self.m.jnt_qposadr[self.jid(name)]] = v
        for _ in range(3):  # chains of constraints settle in one or two passes
            for j1, j2, c in self.eqs:
                x = q[self.m.jnt_qposadr[j2]] - self.m.qpos0[self.m.jnt_qposadr[j2]]
                q[self.m.jnt_qposadr[j1]] = self.m.qpos0[self.m.jnt_qposadr[j1]] + sum(c[k] * x**k for k in range(5))
        return q


def motion_torques(key: str, model: Any, motion: Motion) -> tuple[list[float], np.ndarray, list[str]]:
    """Postures (deg of the first coordinate) and a ``postures × actuators`` array of torque along the motion."""
    import mujoco

    _, _, coords, fixed, _ = motion
    pose = Posture(model)
    data = mujoco.MjData(model)
    names = [model.actuator(i).name for i in range(model.nu)]
    grid = np.linspace(MARGIN, 1 - MARGIN, GRID)
    postures: list[float] = []
    out = np.zeros((GRID, model.nu))
    h = 1e-5
    for g, frac in enumerate(grid):
        values = {c: math.radians(v) for c, v in fixed.items()}
        for c in coords:
            lo, hi = model.jnt_range[pose.jid(c)]
            values[c] = lo + frac * (hi - lo)
        first = next(iter(coords))
        postures.append(round(math.degrees(values[first]), 2))
        data.qpos[:] = pose.qpos(values)
        mujoco.mj_forward(model, data)
        moment = np.zeros((model.nu, model.nv))
        mujoco.mju_sparse2dense(
            moment, data.actuator_moment, data.moment_rownnz, data.moment_rowadr, data.moment_colind
        )
        length = np.array(data.actuator_length)
        force = np.array(
            [
                -mujoco.mju_muscleGain(
                    length[i], 0.0, model.actuator_lengthrange[i], model.actuator_acc0[i], model.actuator_gainprm[i, :9]
                )
                for i in range(model.nu)
            ]
        )
        torque = np.zeros(model.nu)
        for c, weight in coords.items():
            plus, minus = dict(values), dict(values)
            plus[c] += h
            minus[c] -= h
            qp, qm = pose.qpos(plus), pose.qpos(minus)
            jac = np.zeros(model.nv)
            for j in range(model.njnt):
                if int(model.jnt_type[j]) in (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE)):
                    a = model.jnt_qposadr[j]
                    jac[model.jnt_dofadr[j]] = (qp[a] - qm[a]) / (2 * h)
            arm = moment @ jac  # d length / d q_c, through the coupled coordinates
            # cross-check with the tendon-excursion definition of the moment arm
            data.qpos[:] = qp
            mujoco.mj_fwdPosition(model, data)
            lp = np.array(data.actuator_length)
            data.qpos[:] = qm
            mujoco.mj_fwdPosition(model, data)
            lm = np.array(data.actuator_length)
            excursion = (lp - lm) / (2 * h)
            if not np.allclose(arm, excursion, atol=2e-4, rtol=1e-3):
                worst = int(np.argmax(np.abs(arm - excursion)))
                raise SystemExit(f"{c}: moment arm of {names[worst]} {arm[worst]} != excursion {excursion[worst]}")
            # force pulls (shortens): generalised force = -F * dL/dq, along the motion's direction
            torque += weight * (-force * arm)
        norm = math.sqrt(sum(w * w for w in coords.values()))
        out[g] = torque / norm
    return postures, out, names


def other_joints(model: Any, coords: dict[str, float], fixed: dict[str, float]) -> dict[str, float]:
    """The posture of every other independent joint coordinate of the limb while the motion is computed (deg):
    the model's reference posture (0: anatomical position, knee and elbow extended, forearm neutral, fingers
    extended) unless the motion fixes it. Coordinates driven by the model's constraints are left out."""
    pose = Posture(model)
    driven = {j1 for j1, _, _ in pose.eqs}
    out: dict[str, float] = {}
    for j in range(model.njnt):
        name = model.joint(j).name
        if j in driven or name in coords or name.endswith("_l") or int(model.jnt_type[j]) != 3:
            continue
        value = fixed.get(name, math.degrees(float(model.qpos0[model.jnt_qposadr[j]])))
        out[name] = round(value, 1)
    return out


def part_paths(muscles: dict[str, Any], atlas_dir: str | None = None) -> dict[str, list[Any]]:
    """Supply paths of each mapped muscle part (``muscle@nerve``) from the packaged atlas: ``[weight, [[nerve, exit
    mm], …]]`` with the weight relative to the part, so that a cut's share of a part is read without the atlas."""
    sys.path.insert(0, str(ROOT / "src"))
    from neurectomy.atlas.load import load_atlas

    atlas = load_atlas(atlas_dir, cache=False)
    out: dict[str, list[Any]] = {}
    for rows in muscles.values():
        for row in rows:
            part = row.get("part")
            if not part:
                continue
            t = atlas.target_index[row["muscle"]]
            via = atlas.nerve_index[part]
            paths = [p for p in atlas.target_paths[t] if via in atlas.path_nerves[p]]
            if not paths:
                raise SystemExit(f"{row['muscle']}: no supply path through {part}")
            total = sum(atlas.path_weight[p] for p in paths)
            out[f"{row['muscle']}@{part}"] = [
                [
                    round(atlas.path_weight[p] / total, 9),
                    [[atlas.nerves[n].id, e] for n, e in zip(atlas.path_nerves[p], atlas.path_exits[p], strict=True)],
                ]
                for p in paths
            ]
    return dict(sorted(out.items()))


def build(atlas_dir: str | None = None) -> dict[str, Any]:
    import mujoco
    import myo_sim

    mapping = yaml.safe_load(MAP.read_text(encoding="utf-8"))
    actuators: dict[str, list[dict[str, Any]]] = mapping["actuators"]
    models = {k: _load(k) for k in MODELS}
    motions = []
    for name, motion in MOTIONS.items():
        key, joint, coords, fixed, prime = motion
        model = models[key]
        postures, torque, names = motion_torques(key, model, motion)
        prime_idx = names.index(prime)
        if not (torque[GRID // 2, prime_idx] > 0 and torque[:, prime_idx].sum() > 0):
            raise SystemExit(f"{name}: the prime mover {prime} does not act in this direction: {torque[:, prime_idx]}")
        capacity: dict[str, list[float]] = {}
        movers = MOVERS.get(name)
        for i, act in enumerate(names):
            actuator = _actuator_key(key, act)
            if actuator is None or (movers is not None and act not in movers[0]):
                continue
            values = [round(max(0.0, float(t)), 3) for t in torque[:, i]]
            if max(values) > 0:
                capacity[actuator] = values
        motions.append(
            {
                "motion": name,
                "joint": joint,
                "model": MODELS[key],
                "coordinates": coords,
                "fixed_deg": fixed,
                "other_joints_deg": other_joints(model, coords, fixed),
                "postures_deg": postures,
                **({"movers": movers[1]} if movers else {}),
                "prime_mover": _actuator_key(key, prime),
                "capacity_Nm": dict(sorted(capacity.items())),
            }
        )
    return {
        "provenance": {
            "built_by": "tools/build_strength_table.py",
            "models": {
                "myolegs": "MyoLegs (myo_sim.load_model('myolegs')), right leg; derived from Rajagopal et al. 2016, "
                "IEEE TBME 63:2068",
                "myoarm_r": "MyoArm (myo_sim.load_model('myoarm_r')), right arm and hand (MyoHand's muscles included)",
            },
            "myo_sim": myo_sim.__version__,
            "mujoco": mujoco.__version__,
            "posture_grid": f"{GRID} evenly spaced values of the motion's coordinate(s) over the model's joint range, "
            f"ends pulled in by {MARGIN:g} of the range; every other joint at the posture its motion's "
            "other_joints_deg lists (the reference posture: arm at the side, elbow extended, forearm neutral, wrist "
            "straight, fingers and thumb extended; hip, knee and ankle neutral), except fixed_deg (shoulder plane "
            "of elevation for flexion vs abduction; elbow at 90 degrees for pronation and supination)",
            "strength_lost": "per motion, the mean over the posture grid of the fraction of the motion's torque the "
            "lost muscles gave; a muscle with part of its supply lost keeps that part of its force (force taken as "
            "proportional to the share of supply kept, an estimate: no published relation between a root's or "
            "branch's share of a muscle's supply and the force lost)",
            "torque": "F_max x active force-length factor (mju_muscleGain, zero velocity) x moment arm "
            "(data.actuator_moment through coupled coordinates); positive part along the motion, N m",
        },
        "actuators": actuators,
        "not_modelled": mapping["not_modelled"],
        "parts": part_paths(actuators, atlas_dir),
        "motions": motions,
    }


def _actuator_key(model_key: str, name: str) -> str | None:
    if model_key == "legs":
        if not name.endswith("_r"):
            return None
        return f"legs:{name.removesuffix('_r')}"
    return f"arm:{name}"


def dump(table: dict[str, Any]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    parser.add_argument("--atlas-dir", help="atlas data folder (default: the packaged src/neurectomy/atlas/data)")
    args = parser.parse_args(argv)
    text = dump(build(args.atlas_dir))
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("strength table is current" if same else f"{OUT} differs from a rebuild: run {__file__}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text)} bytes, {len(json.loads(text)['motions'])} motions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
