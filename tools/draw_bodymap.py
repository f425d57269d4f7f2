#!/usr/bin/env python3
"""Draw the body-map charts of ``neurectomy.bodymap`` (``src/neurectomy/bodymap/charts/*.svg``).

The drawings are the project's own: every coordinate below was written for this file. Each chart shows ONE side,
the LEFT. Limbs and the trunk are "tubes" (a list of cross-sections from proximal to distal, each an inner and an
outer point); a region is a polygon in tube coordinates ``(s, f)``: ``s`` runs along the stations (0, 1, 2, … may
be fractional), ``f`` across from the inner edge (0: medial, midline or the edge named in the tube) to the outer
edge (1). That keeps neighbouring regions flush and the geometry readable.

Region elements carry ``id="<skin-region id>"``. A region drawn a second time on the same chart (another aspect
of the same skin seen in a second sub-view) carries ``data-region="<id>"`` instead of an id, so ids stay unique.

Run: ``.venv/bin/python tools/draw_bodymap.py`` (rewrites the seven charts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "neurectomy" / "bodymap" / "charts"

Pt = tuple[float, float]
SILHOUETTE_FILL = "#f6f1ea"
SILHOUETTE_STROKE = "#5f564d"
REGION_FILL = "#e6e2dc"
REGION_STROKE = "#9b9288"


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


class Tube:
    """Cross-sections ``[(inner, outer), …]`` from proximal (s=0) to distal (s=n-1)."""

    def __init__(self, stations: Sequence[tuple[Pt, Pt]]) -> None:
        self.st = list(stations)
        self.n = len(self.st) - 1

    def at(self, s: float, f: float) -> Pt:
        s = min(max(s, 0.0), float(self.n))
        i = min(int(s), self.n - 1)
        t = s - i
        (a, b), (c, d) = self.st[i], self.st[i + 1]
        inner = (lerp(a[0], c[0], t), lerp(a[1], c[1], t))
        outer = (lerp(b[0], d[0], t), lerp(b[1], d[1], t))
        return (lerp(inner[0], outer[0], f), lerp(inner[1], outer[1], f))

    def poly(self, corners: Sequence[Pt]) -> list[Pt]:
        """A polygon through ``(s, f)`` corners, each edge sampled so it follows the tube's contour."""
        out: list[Pt] = []
        for k, (s0, f0) in enumerate(corners):
            s1, f1 = corners[(k + 1) % len(corners)]
            n = max(1, math.ceil(abs(s1 - s0) * 3), math.ceil(abs(f1 - f0) * 3))
            out.extend(self.at(lerp(s0, s1, j / n), lerp(f0, f1, j / n)) for j in range(n))
        return out

    def rect(self, s0: float, s1: float, f0: float = 0.0, f1: float = 1.0) -> list[Pt]:
        return self.poly([(s0, f0), (s1, f0), (s1, f1), (s0, f1)])

    def outline(self) -> list[Pt]:
        return self.rect(0, self.n)


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 16, rot: float = 0.0) -> list[Pt]:
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    out = []
    for k in range(n):
        a = 2 * math.pi * k / n
        x, y = rx * math.cos(a), ry * math.sin(a)
        out.append((cx + x * c - y * s, cy + x * s + y * c))
    return out


def mirror(points: Sequence[Pt], axis: float) -> list[Pt]:
    return [(2 * axis - x, y) for x, y in points]


def fmt(points: Sequence[Pt]) -> str:
    out: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x), round(y))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return " ".join(f"{x},{y}" for x, y in out)


def smooth(points: Sequence[Pt], closed: bool = True) -> str:
    """A path through the points with quadratic curves (for silhouettes)."""
    pts = [(round(x), round(y)) for x, y in points]
    if len(pts) < 3:
        return "M" + " L".join(f"{x},{y}" for x, y in pts)
    mids = [
        ((pts[i][0] + pts[(i + 1) % len(pts)][0]) / 2, (pts[i][1] + pts[(i + 1) % len(pts)][1]) / 2)
        for i in range(len(pts))
    ]
    if not closed:
        d = f"M{pts[0][0]},{pts[0][1]}"
        for i in range(1, len(pts) - 1):
            d += f" Q{pts[i][0]},{pts[i][1]} {round(mids[i][0])},{round(mids[i][1])}"
        return d + f" L{pts[-1][0]},{pts[-1][1]}"
    d = f"M{round(mids[-1][0])},{round(mids[-1][1])}"
    for i in range(len(pts)):
        d += f" Q{pts[i][0]},{pts[i][1]} {round(mids[i][0])},{round(mids[i][1])}"
    return d + "Z"


class Chart:
    def __init__(self, view: str, width: int, height: int, title: str, caption: str) -> None:
        self.view, self.width, self.height = view, width, height
        self.title, self.caption = title, caption
        self.silhouette: list[str] = []
        self.regions: list[str] = []
        self.marks: list[str] = []
        self.labels: list[str] = []
        self.ids: set[str] = set()

    def body(self, points: Sequence[Pt], curved: bool = True) -> None:
        d = smooth(points) if curved else "M" + fmt(points).replace(" ", " L") + "Z"
        self.silhouette.append(f'<path d="{d}"/>')

    def region(self, rid: str, points: Sequence[Pt]) -> None:
        if rid in self.ids:
            self.regions.append(f'<polygon data-region="{rid}" points="{fmt(points)}"/>')
        else:
            self.ids.add(rid)
            self.regions.append(f'<polygon id="{rid}" points="{fmt(points)}"/>')

    def mark(self, d: str, dashed: bool = False) -> None:
        self.marks.append(f'<path d="{d}"' + (' stroke-dasharray="3 2"' if dashed else "") + "/>")

    def line(self, points: Sequence[Pt], dashed: bool = False) -> None:
        self.mark("M" + " L".join(f"{round(x)},{round(y)}" for x, y in points), dashed)

    def label(self, x: float, y: float, text: str, anchor: str = "middle", size: int = 9, bold: bool = False) -> None:
        extra = ' font-weight="bold"' if bold else ""
        size_attr = f' font-size="{size}"' if size != 9 else ""
        self.labels.append(
            f'<text x="{round(x)}" y="{round(y)}" text-anchor="{anchor}"{size_attr}{extra}>{text}</text>'
        )

    def svg(self) -> str:
        sil = "\n".join(self.silhouette)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" data-view="{self.view}" data-side="left">',
            f"<title>{self.title}</title>",
            f"<desc>{self.caption}</desc>",
            f'<g class="silhouette-edge" fill="none" stroke="{SILHOUETTE_STROKE}" stroke-width="3" '
            f'stroke-linejoin="round">\n{sil}\n</g>',
            f'<g class="silhouette" fill="{SILHOUETTE_FILL}" stroke="none">\n{sil}\n</g>',
            f'<g class="regions" fill="{REGION_FILL}" stroke="{REGION_STROKE}" stroke-width="0.6" '
            f'stroke-linejoin="round">\n' + "\n".join(self.regions) + "\n</g>",
            f'<g class="marks" fill="none" stroke="{SILHOUETTE_STROKE}" stroke-width="0.8" stroke-linecap="round">\n'
            + "\n".join(self.marks)
            + "\n</g>",
            '<g class="labels" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="9" fill="#4a443e">\n'
            + "\n".join(self.labels)
            + "\n</g>",
            "</svg>",
        ]
        return "\n".join(parts) + "\n"


# ============================================================================ body (anterior and posterior)
MID = 200  # the midline of the body charts


def ys(levels: Sequence[float]) -> Callable[[float], float]:
    """Station index for a height ``y`` on a tube whose stations sit at the given heights (monotonic)."""

    def s_of(y: float) -> float:
        for i in range(len(levels) - 1):
            if levels[i] <= y <= levels[i + 1]:
                return i + (y - levels[i]) / (levels[i + 1] - levels[i])
        return 0.0 if y < levels[0] else float(len(levels) - 1)

    return s_of


# Lateral contour of the left half of the trunk (x at height y), from clavicle to pubis.
TRUNK_Y = [135, 150, 165, 180, 195, 210, 225, 240, 255, 270, 285, 300, 315, 330, 345, 360, 372, 385, 398, 410, 424]
TRUNK_X = [250, 253, 255, 256, 255, 254, 253, 251, 249, 247, 245, 243, 242, 243, 247, 253, 258, 254, 244, 228, 206]
NECK_Y = [96, 106, 116, 126, 135]
NECK_X = [219, 220, 222, 230, 250]
ARM = [  # (inner = medial, toward the trunk; outer = lateral) left arm, anterior view, viewer's right
    ((250, 135), (274, 138)),  # 0 top of shoulder: neck base to acromion
    ((256, 172), (293, 168)),  # 1 axilla / deltoid bulge
    ((263, 215), (298, 214)),  # 2 mid arm
    ((267, 262), (300, 262)),  # 3 above elbow
    ((270, 295), (304, 295)),  # 4 elbow crease
    ((272, 318), (308, 320)),  # 5 upper forearm
    ((279, 370), (312, 370)),  # 6 mid forearm
    ((289, 425), (310, 425)),  # 7 wrist
]
LEG = [  # (inner = medial, outer = lateral) left lower limb, anterior view
    ((206, 424), (258, 372)),  # 0 inguinal line (pubic tubercle to ASIS)
    ((205, 450), (264, 415)),  # 1
    ((207, 490), (264, 465)),  # 2
    ((210, 540), (260, 530)),  # 3
    ((213, 585), (256, 585)),  # 4 above the knee
    ((214, 610), (255, 610)),  # 5 patella
    ((215, 635), (254, 635)),  # 6 below the knee
    ((213, 670), (256, 670)),  # 7 calf
    ((217, 720), (253, 720)),  # 8
    ((223, 765), (246, 765)),  # 9 above the ankle
    ((225, 790), (245, 790)),  # 10 ankle
]


def trunk_tube() -> Tube:
    return Tube([((MID, y), (x, y)) for y, x in zip(TRUNK_Y, TRUNK_X, strict=True)])


def neck_tube() -> Tube:
    return Tube([((MID, y), (x, y)) for y, x in zip(NECK_Y, NECK_X, strict=True)])


def hand_outline(wrist_in: Pt, wrist_out: Pt, thumb_out: bool) -> list[Pt]:
    """A schematic hand hanging below the wrist (palm or back facing the viewer)."""
    (xi, yi), (xo, yo) = wrist_in, wrist_out
    sign = 1 if xo > xi else -1
    pts = [
        (xi, yi),
        (xi - 2 * sign, yi + 30),
        (xi + 1 * sign, yi + 62),
        (xi + 7 * sign, yi + 66),
        (xi + 11 * sign, yi + 52),
        (xi + 14 * sign, yi + 70),
        (xi + 19 * sign, yi + 68),
        (xi + 21 * sign, yi + 50),
        (xo + 2 * sign, yi + 40),
        (xo + 2 * sign, yi + 22),
    ]
    if thumb_out:
        pts = [*pts[:-2], (xo + 9 * sign, yi + 38), (xo + 11 * sign, yi + 30), (xo + 3 * sign, yi + 16)]
    return [*pts, (xo, yo)]


def body_silhouette(c: Chart, posterior: bool) -> None:
    """Both halves of the body; the regions (left half) are drawn on top."""
    c.body(ellipse(MID, 56, 30, 38, 24))
    hand = hand_outline(ARM[-1][0], ARM[-1][1], thumb_out=True)
    foot = [(224, 788), (247, 788), (252, 808), (256, 818), (240, 822), (222, 820), (221, 806)]
    if posterior:
        foot = [(224, 788), (247, 788), (248, 812), (242, 822), (228, 822), (222, 812)]
    for piece, curved in (
        (trunk_tube().outline(), False),
        (neck_tube().outline(), False),
        (Tube(ARM).outline(), False),
        (Tube(LEG).outline(), False),
        (hand, True),
        (foot, True),
    ):
        c.body(piece, curved=curved)
        c.body(mirror(piece, MID), curved=curved)


def anterior() -> Chart:
    c = Chart(
        "anterior",
        400,
        1100,
        "Anterior view of the body, left side charted",
        "Anterior view, the figure faces you: its LEFT side (charted) is on your right. Schematic.",
    )
    body_silhouette(c, posterior=False)
    neck, trunk, arm, leg = neck_tube(), trunk_tube(), Tube(ARM), Tube(LEG)
    ny, ty = ys(NECK_Y), ys(TRUNK_Y)

    # ---- neck (midline f=0 to the side of the neck f=1)
    c.region("skin_upper_anterior_neck", neck.rect(ny(96), ny(116), 0, 0.72))
    c.region("skin_over_upper_sternocleidomastoid", neck.rect(ny(96), ny(116), 0.72, 1))
    c.region("skin_lower_anterior_neck", neck.rect(ny(116), ny(135), 0, 0.42))
    c.region("skin_supraclavicular_fossa", neck.rect(ny(116), ny(135), 0.42, 1))

    # ---- trunk: bands slope up laterally (they follow the ribs round to the back)
    slope = 10.0

    def band(y0: float, y1: float, f0: float, f1: float) -> list[Pt]:
        return trunk.poly(
            [(ty(y0 - slope * f0), f0), (ty(y1 - slope * f0), f0), (ty(y1 - slope * f1), f1), (ty(y0 - slope * f1), f1)]
        )

    c.region("skin_over_medial_clavicle", trunk.rect(ty(135), ty(148), 0, 0.32))
    c.region(
        "skin_upper_anterior_chest",
        trunk.poly([(ty(135), 0.32), (ty(148), 0.32), (ty(148), 0), (ty(163), 0), (ty(163 - slope), 1), (ty(135), 1)]),
    )
    split = 0.66  # anterior (anterior cutaneous branches) vs lateral (lateral cutaneous branches)
    levels = {2: 163, 3: 180, 4: 197, 5: 215, 6: 233, 7: 251, 8: 269, 9: 287, 10: 305, 11: 323, 12: 342}
    bottoms = {k: levels.get(k + 1, 362) for k in levels}
    for k, y0 in levels.items():
        y1 = bottoms[k]
        c.region(f"skin_anterior_trunk_t{k}", band(y0, y1, 0, split))
        if 3 <= k <= 11:
            c.region(f"skin_lateral_trunk_t{k}", band(y0, y1, split, 1))
    c.region("skin_of_axilla", band(levels[2], levels[3], split, 1))
    c.region(
        "skin_suprapubic_region",
        trunk.poly([(ty(362), 0), (ty(394), 0), (ty(394), 0.45), (ty(424), 0.45), (ty(424), 1), (ty(362 - slope), 1)]),
    )
    c.region("skin_root_of_penis_and_mons_pubis", trunk.rect(ty(394), ty(424), 0, 0.45))
    c.region("skin_of_nipple_and_areola", ellipse(236, 204, 6, 6, 12))
    c.mark(smooth(ellipse(MID, 313, 3, 3, 8)))  # umbilicus
    c.line([(MID, 100), (MID, 424)], dashed=True)

    # ---- upper limb (f=0 medial, f=1 lateral)
    c.region("skin_top_of_shoulder", arm.rect(0, 0.7, 0.25, 1))
    c.region("skin_shoulder_over_deltoid", arm.rect(0.7, 2.0, 0.5, 1))
    c.region("skin_medial_arm", arm.rect(1, 3.8, 0, 0.33))
    c.region("skin_anterior_arm_distal", arm.rect(2.2, 3.8, 0.33, 0.68))
    c.region("skin_lower_lateral_arm", arm.rect(2.0, 3.8, 0.68, 1))
    c.region("skin_cubital_fossa", arm.rect(3.8, 4.7, 0.3, 0.7))
    c.region("skin_medial_forearm", arm.poly([(3.8, 0), (7, 0), (7, 0.5), (4.7, 0.5), (4.7, 0.3), (3.8, 0.3)]))
    c.region("skin_lateral_forearm", arm.poly([(3.8, 0.7), (4.7, 0.7), (4.7, 0.5), (7, 0.5), (7, 1), (3.8, 1)]))

    # ---- lower limb (f=0 medial, f=1 lateral)
    c.region("skin_upper_medial_thigh", leg.rect(0, 1.6, 0, 0.3))
    c.region("skin_over_femoral_triangle", leg.rect(0, 1.6, 0.3, 0.64))
    c.region("skin_lateral_thigh", leg.rect(0, 4.0, 0.64, 1))
    c.region("skin_medial_thigh", leg.rect(1.6, 4.2, 0, 0.3))
    c.region(
        "skin_over_patella",
        leg.poly(
            [(4.0, 0.4), (4.0, 0.62), (4.3, 0.78), (5.4, 0.78), (5.7, 0.62), (5.7, 0.4), (5.4, 0.28), (4.3, 0.28)]
        ),
    )
    c.region(
        "skin_anterior_thigh",
        leg.poly(
            [
                (1.6, 0.3),
                (4.2, 0.3),
                (4.3, 0.28),
                (4.0, 0.4),
                (4.0, 0.62),
                (4.3, 0.78),
                (4.0, 0.78),
                (4.0, 0.64),
                (1.6, 0.64),
            ]
        ),
    )
    c.region("skin_medial_knee", leg.rect(4.2, 6.0, 0, 0.28))
    c.region("skin_lateral_knee", leg.rect(4.0, 6.0, 0.78, 1))
    c.region(
        "skin_infrapatellar_knee",
        leg.poly([(5.4, 0.28), (6.5, 0.28), (6.5, 0.78), (5.4, 0.78), (5.7, 0.62), (5.7, 0.4)]),
    )
    c.region("skin_medial_leg", leg.poly([(6.0, 0), (9.8, 0), (9.8, 0.45), (6.5, 0.45), (6.5, 0.28), (6.0, 0.28)]))
    c.region(
        "skin_upper_lateral_leg", leg.poly([(6.0, 0.78), (6.5, 0.78), (6.5, 0.45), (7.4, 0.45), (7.4, 1), (6.0, 1)])
    )
    c.region("skin_lower_anterolateral_leg", leg.rect(7.4, 9.8, 0.45, 1))

    # ---- inset: external genitalia, schematic, midline at x=200, left half on the right
    genital_inset(c, 200, 858, posterior=False)
    c.label(MID + 95, 40, "LEFT", bold=True)
    c.label(MID - 95, 40, "RIGHT", bold=True)
    return c


def genital_inset(c: Chart, cx: float, top: float, posterior: bool) -> None:
    """External genitalia and perineum, schematic; both halves outlined, the LEFT half as regions.

    Anterior chart: seen from the front and below (pubis at the top), left half on the viewer's right.
    Posterior chart: seen from behind and below (coccyx at the top), left half on the viewer's left.
    Shapes are given for the anterior layout: x from the midline, y from the top of the box (0-160).
    """
    height, k = 160, 1.4  # drawn at 1.4 times the size of these coordinates

    def place(points: Sequence[Pt]) -> list[Pt]:
        if posterior:
            return [(cx - k * x, top + k * (height - y)) for x, y in points]
        return [(cx + k * x, top + k * y) for x, y in points]

    c.body(place([(-78, 0), (78, 0), (78, height), (-78, height)]), curved=False)
    thigh = [(60, 14), (66, 50), (66, 100), (60, 150)]
    c.line(place(thigh))
    c.line(place([(-x, y) for x, y in thigh]))
    ring = [(4 * math.sin(math.radians(a)), 132 - 4 * math.cos(math.radians(a))) for a in range(0, 181, 30)]
    outer = [(11 * math.sin(math.radians(a)), 132 - 11 * math.cos(math.radians(a))) for a in range(0, 181, 20)]
    shapes: dict[str, list[Pt]] = {
        "skin_root_of_penis_and_mons_pubis": [(0, 8), (30, 8), (44, 14), (44, 28), (36, 34), (10, 34), (0, 34)],
        "skin_of_penis_or_clitoris": [(0, 34), (10, 34), (11, 56), (8, 62), (0, 64)],
        "skin_anterior_scrotum_or_labium_majus": [(10, 34), (36, 34), (40, 48), (40, 72), (14, 72), (11, 56)],
        "skin_posterior_scrotum_or_labium_majus": [(14, 72), (40, 72), (38, 92), (30, 106), (18, 112), (12, 104)],
        "skin_of_labium_minus_and_vestibule": [(0, 64), (8, 62), (11, 56), (14, 72), (12, 104), (6, 106), (0, 106)],
        "skin_of_perineum": [(0, 106), (6, 106), (12, 104), (18, 112), (14, 120), (0, 121)],
        "skin_lateral_perineum": [
            (40, 48),
            (54, 52),
            (58, 90),
            (50, 126),
            (28, 130),
            (14, 120),
            (18, 112),
            (30, 106),
            (38, 92),
            (40, 72),
        ],
        "skin_perianal_region": [*outer, *ring[::-1]],
        "skin_lower_anal_canal": ring,
        "skin_between_anus_and_coccyx": [(0, 143), (8, 141), (10, 152), (0, 155)],
    }
    for shape in shapes.values():
        c.line(place([(-x, y) for x, y in shape] + [(-shape[0][0], shape[0][1])]))
    for rid, shape in shapes.items():
        c.region(rid, place(shape))
    c.line(place([(0, 4), (0, 158)]), dashed=True)
    words = [
        (-22, 24, "mons", "middle"),
        (-4, 46, "penis or|clitoris", "end"),
        (-27, 82, "scrotum or|labium majus", "middle"),
        (-4, 102, "labium minus", "end"),
        (-4, 118, "perineum", "end"),
        (-13, 134, "anus", "end"),
        (-4, 152, "coccyx", "end"),
    ]
    for x, y, text, anchor in words:
        px, py = place([(x, y)])[0]
        if posterior and anchor != "middle":
            anchor = "start"
        for i, line in enumerate(text.split("|")):
            c.label(px, py + 3 + 10 * i - 5 * text.count("|"), line, anchor=anchor, size=7)
    title = (
        "Genitalia and perineum from the front and below (schematic)"
        if not posterior
        else "Perineum from behind and below (schematic)"
    )
    c.label(cx, top - 6, title, size=9)
    c.label(cx + k * (-60 if posterior else 60), top + 16, "LEFT", size=9, bold=True)
    c.label(cx + k * (60 if posterior else -60), top + 16, "RIGHT", size=9, bold=True)


def posterior() -> Chart:
    c = Chart(
        "posterior",
        400,
        1100,
        "Posterior view of the body, left side charted",
        "Posterior view, the figure's back faces you: its LEFT side (charted) is on your left. Schematic.",
    )
    body_silhouette(c, posterior=True)

    def m(points: Sequence[Pt]) -> list[Pt]:
        return mirror(points, MID)

    neck, trunk, arm = neck_tube(), trunk_tube(), Tube(ARM)
    ny, ty = ys(NECK_Y), ys(TRUNK_Y)
    c.region("skin_posterior_neck_c4_c5", m(neck.rect(ny(114), ny(135), 0, 0.7)))
    c.region("skin_posterior_shoulder_upper", m(trunk.rect(ty(135), ty(160), 0.55, 1)))
    c.region("skin_top_of_shoulder", m(arm.rect(0, 0.7, 0.25, 1)))
    step = 17
    for k in range(1, 13):
        y0 = 135 + (k - 1) * step
        c.region(f"skin_back_t{k}_band", m(trunk.rect(ty(y0), ty(y0 + step), 0, 0.45)))
    c.region("skin_lumbar_region", m(trunk.rect(ty(339), ty(372), 0, 0.55)))
    c.line(m([(MID, 100), (MID, 440)]), dashed=True)

    # ---- gluteal region: midline (cleft) to the lateral hip, iliac crest (y=372) to the gluteal fold
    glut_y = [372, 390, 408, 426, 444, 462, 482]
    glut_in = [200, 200, 200, 200, 200, 202, 207]
    glut_out = [258, 262, 264, 265, 265, 264, 262]
    glut = Tube([((xi, y), (xo, y)) for y, xi, xo in zip(glut_y, glut_in, glut_out, strict=True)])
    c.body(m(glut.outline()))
    c.body(glut.outline())
    c.region("skin_over_sacrum", m(glut.poly([(0, 0), (3.7, 0), (0, 0.32)])))
    c.region(
        "skin_upper_buttock", m(glut.poly([(0, 0.32), (1.5, 0.19), (1.5, 0.45), (2.4, 0.45), (2.4, 0.72), (0, 0.72)]))
    )
    c.region("skin_medial_buttock", m(glut.poly([(1.5, 0.19), (3.7, 0), (3.7, 0.45), (1.5, 0.45)])))
    c.region("skin_inferomedial_buttock", m(glut.poly([(3.7, 0), (6, 0), (6, 0.3), (3.7, 0.3)])))
    c.region(
        "skin_inferior_buttock",
        m(
            glut.poly(
                [(2.4, 0.45), (3.7, 0.45), (3.7, 0.3), (6, 0.3), (6, 0.87), (3.0, 0.87), (3.0, 0.72), (2.4, 0.72)]
            )
        ),
    )
    c.region("skin_upper_lateral_gluteal_region", m(glut.rect(0, 3.0, 0.72, 0.87)))
    c.region("skin_anterior_gluteal_region", m(glut.rect(0, 4.6, 0.87, 1)))
    c.line(m([(MID, 372), (MID, 450)]))  # natal cleft

    # ---- upper limb, posterior aspect (f=0 medial, f=1 lateral)
    c.region("skin_shoulder_over_deltoid", m(arm.rect(0.7, 2.0, 0.5, 1)))
    c.region("skin_medial_arm", m(arm.rect(1, 3.6, 0, 0.15)))
    c.region("skin_posterior_arm", m(arm.poly([(1, 0.15), (3.6, 0.15), (3.6, 0.75), (2, 0.75), (2, 0.5), (1, 0.5)])))
    c.region("skin_lower_lateral_arm", m(arm.rect(2.0, 3.6, 0.75, 1)))
    c.region("skin_over_olecranon", m(arm.rect(3.6, 4.7, 0.3, 0.7)))
    c.region("skin_medial_forearm_posterior", m(arm.rect(3.6, 7, 0, 0.3)))
    c.region("skin_posterior_forearm", m(arm.rect(4.7, 7, 0.3, 0.7)))
    c.region("skin_lateral_forearm_posterior", m(arm.rect(3.6, 7, 0.7, 1)))

    # ---- lower limb, posterior aspect (thigh from the gluteal fold)
    pleg = Tube(
        [
            ((207, 482), (262, 482)),  # 0 gluteal fold
            ((208, 520), (264, 520)),
            ((212, 560), (259, 560)),
            ((214, 588), (256, 588)),  # 3 above the knee
            ((215, 610), (255, 610)),  # 4 popliteal fossa
            ((215, 635), (254, 635)),
            ((212, 675), (258, 675)),  # 6 calf
            ((217, 720), (254, 720)),
            ((223, 765), (246, 765)),
            ((225, 790), (245, 790)),  # 9 ankle
        ]
    )
    c.region("skin_medial_thigh", m(pleg.rect(0, 3.4, 0, 0.14)))
    c.region("skin_posterior_thigh", m(pleg.rect(0, 3.4, 0.14, 0.86)))
    c.region("skin_lateral_thigh", m(pleg.rect(0, 3.4, 0.86, 1)))
    c.region("skin_popliteal_fossa", m(pleg.rect(3.4, 4.8, 0.2, 0.8)))
    c.region("skin_calf", m(pleg.poly([(4.8, 0.1), (6.6, 0.1), (6.6, 0.9), (4.8, 0.9)])))
    c.region(
        "skin_medial_leg",
        m(pleg.poly([(3.4, 0), (9, 0), (9, 0.5), (6.6, 0.5), (6.6, 0.1), (4.8, 0.1), (4.8, 0.2), (3.4, 0.2)])),
    )
    c.region(
        "skin_lower_posterolateral_leg", m(pleg.poly([(6.6, 0.5), (9, 0.5), (9, 1), (4.8, 1), (4.8, 0.9), (6.6, 0.9)]))
    )
    c.region("skin_lateral_knee", m(pleg.rect(3.4, 4.8, 0.8, 1)))

    genital_inset(c, 200, 858, posterior=True)
    c.label(MID - 95, 40, "LEFT", bold=True)
    c.label(MID + 95, 40, "RIGHT", bold=True)
    return c


# ============================================================================ head
def head() -> Chart:
    c = Chart(
        "head",
        520,
        390,
        "Head: left lateral view, left half of the face, mouth and deep mucosa",
        "Left side of the head: lateral view (the face looks to your left); the front view shows the LEFT half of "
        "the face (on your right of the midline). Schematic.",
    )
    r = c.region
    # ---- lateral view, facing left
    profile = [
        (130, 20),
        (92, 28),
        (66, 44),
        (50, 70),
        (44, 98),
        (40, 118),
        (47, 128),
        (36, 150),
        (24, 170),
        (27, 178),
        (39, 182),
        (37, 194),
        (42, 201),
        (37, 209),
        (45, 221),
        (40, 236),
        (50, 252),
        (92, 258),
        (100, 264),
        (102, 312),
        (196, 312),
        (198, 262),
        (214, 236),
        (226, 196),
        (230, 140),
        (214, 74),
        (180, 32),
    ]
    c.body(profile)
    r("skin_of_frontal_scalp", [(54, 60), (66, 44), (92, 28), (130, 20), (156, 24), (146, 62), (116, 66), (86, 70)])
    r(
        "skin_occipital_scalp",
        [(156, 24), (180, 32), (214, 74), (230, 140), (226, 196), (206, 196), (204, 150), (194, 104), (146, 62)],
    )
    r("skin_of_forehead", [(54, 60), (86, 70), (84, 108), (70, 116), (42, 114), (44, 98), (50, 70)])
    r("skin_of_anterior_temple", [(86, 70), (102, 69), (102, 112), (84, 118), (84, 108)])
    r(
        "skin_of_temple",
        [
            (102, 69),
            (116, 66),
            (146, 62),
            (172, 104),
            (164, 130),
            (150, 132),
            (150, 146),
            (138, 146),
            (110, 150),
            (118, 134),
            (102, 112),
        ],
    )
    r("skin_scalp_behind_auricle", [(146, 62), (194, 104), (204, 150), (186, 152), (178, 138), (164, 130), (172, 104)])
    r("skin_over_mastoid_process", [(178, 138), (186, 152), (204, 150), (206, 196), (186, 204), (176, 198), (182, 168)])
    r("skin_lower_occipital_region", [(206, 196), (226, 196), (214, 236), (198, 262), (190, 236), (186, 204)])
    r("skin_over_zygomatic_bone", [(84, 118), (102, 112), (118, 134), (110, 150), (86, 150)])
    r("skin_of_cheek", [(58, 134), (84, 118), (86, 150), (82, 170), (64, 186), (48, 184), (52, 160), (56, 140)])
    r("skin_of_dorsum_and_tip_of_nose", [(47, 128), (36, 150), (24, 170), (27, 178), (33, 178), (34, 164), (50, 134)])
    r("skin_of_side_of_nose", [(50, 134), (34, 164), (33, 178), (39, 182), (48, 184), (52, 160), (56, 140)])
    r("skin_of_upper_lip", [(39, 182), (48, 184), (64, 186), (60, 199), (42, 201), (37, 194)])
    r("skin_of_lower_lip", [(42, 201), (60, 199), (62, 211), (45, 221), (37, 209)])
    r("skin_of_chin", [(45, 221), (62, 211), (76, 216), (80, 252), (50, 252), (40, 236)])
    r(
        "skin_of_buccal_region",
        [(64, 186), (82, 170), (86, 150), (110, 150), (116, 178), (112, 212), (76, 216), (62, 211), (60, 199)],
    )
    r(
        "skin_over_parotid_and_angle_of_mandible",
        [
            (110, 150),
            (138, 146),
            (150, 146),
            (148, 162),
            (150, 180),
            (152, 200),
            (158, 206),
            (150, 236),
            (132, 248),
            (80, 252),
            (76, 216),
            (112, 212),
            (116, 178),
        ],
    )
    r(
        "skin_over_upper_sternocleidomastoid",
        [(158, 206), (176, 198), (186, 204), (190, 236), (198, 262), (184, 290), (150, 290), (150, 236)],
    )
    r("skin_upper_anterior_neck", [(80, 252), (132, 248), (150, 236), (150, 290), (102, 290), (100, 264), (92, 258)])
    # auricle (drawn over the side of the head): helix outline, tragus, lobule, meatus
    ear = [
        (150, 146),
        (152, 136),
        (164, 128),
        (178, 132),
        (184, 148),
        (182, 170),
        (176, 188),
        (170, 202),
        (160, 208),
        (152, 200),
        (150, 180),
        (148, 162),
    ]
    r(
        "skin_of_auricle_anterior",
        [(150, 146), (152, 136), (164, 128), (178, 132), (170, 140), (160, 146), (156, 160), (154, 172), (148, 162)],
    )
    r("skin_auricular_lobule", [(150, 188), (172, 190), (170, 202), (160, 208), (152, 200)])
    c.mark(smooth(ear))
    r("skin_of_external_acoustic_meatus_anterior", ellipse(158, 172, 3, 4, 8))
    c.mark("M170,140 Q180,150 176,170 Q172,182 166,186")  # antihelix
    r("skin_of_upper_eyelid_central", [(40, 118), (42, 114), (60, 115), (62, 124), (56, 127), (47, 128)])
    r("skin_of_upper_eyelid_lateral", [(60, 115), (70, 116), (84, 118), (74, 127), (66, 124), (62, 124)])
    r("skin_of_lower_eyelid", [(47, 128), (56, 129), (64, 133), (74, 127), (84, 118), (58, 134), (50, 134)])
    c.mark("M56,128 Q64,122 74,127 Q64,134 56,128Z")  # eye
    c.mark("M54,120 Q64,114 76,119")  # brow
    c.mark("M42,201 L58,200")  # lips
    c.mark("M30,174 Q36,172 38,178")  # ala
    c.line([(51, 252), (132, 248), (150, 236)], dashed=True)  # jaw line
    c.label(120, 332, "Lateral view (left side)", bold=True)
    c.label(60, 348, "← face", size=8)
    c.label(190, 348, "back →", size=8)

    # ---- front view, left half of the face (midline x0, the left half to the right of it)
    x0 = 320

    def f(points: Sequence[Pt]) -> list[Pt]:
        return [(x + x0, y) for x, y in points]

    half = [(0, 26), (32, 30), (56, 48), (66, 80), (68, 118), (64, 150), (56, 178), (38, 200), (20, 212), (0, 216)]
    c.body(f(half + mirror(half[::-1], 0)))
    r("skin_of_frontal_scalp", f([(0, 26), (32, 30), (56, 48), (60, 56), (0, 44)]))
    r("skin_of_forehead", f([(0, 44), (60, 56), (66, 80), (54, 96), (20, 98), (12, 86), (0, 84)]))
    r("skin_of_glabella", f([(0, 84), (12, 86), (16, 100), (12, 104), (0, 108)]))
    r("skin_of_anterior_temple", f([(54, 96), (66, 80), (68, 112), (56, 114)]))
    r("skin_of_upper_eyelid_medial", f([(12, 104), (16, 100), (22, 98), (22, 108), (16, 111)]))
    r("skin_of_upper_eyelid_central", f([(22, 98), (38, 98), (36, 107), (29, 106), (22, 108)]))
    r("skin_of_upper_eyelid_lateral", f([(38, 98), (54, 96), (44, 112), (36, 107)]))
    r("cornea", f(ellipse(29, 111, 4, 4, 10)))
    r("skin_of_medial_angle_of_eye", f([(0, 108), (12, 104), (16, 111), (18, 118), (10, 124), (6, 112)]))
    r("skin_of_lower_eyelid", f([(16, 111), (22, 115), (36, 115), (44, 112), (40, 121), (20, 122), (18, 118)]))
    r("skin_of_dorsum_and_tip_of_nose", f([(0, 108), (6, 112), (7, 140), (12, 150), (0, 154)]))
    r("skin_of_side_of_nose", f([(6, 112), (10, 124), (16, 136), (19, 150), (12, 154), (0, 154), (12, 150), (7, 140)]))
    r("skin_over_zygomatic_bone", f([(44, 112), (56, 114), (68, 112), (67, 134), (50, 136)]))
    r(
        "skin_of_cheek",
        f(
            [
                (18, 118),
                (20, 122),
                (40, 121),
                (44, 112),
                (50, 136),
                (46, 156),
                (24, 160),
                (19, 150),
                (16, 136),
                (10, 124),
            ]
        ),
    )
    r("skin_of_buccal_region", f([(46, 156), (50, 136), (67, 134), (64, 150), (56, 178), (38, 178), (28, 166)]))
    r("skin_of_upper_lip", f([(0, 154), (12, 154), (19, 150), (24, 160), (28, 166), (20, 168), (0, 168)]))
    r("skin_of_lower_lip", f([(0, 168), (20, 168), (28, 166), (26, 176), (0, 180)]))
    r("skin_of_chin", f([(0, 180), (26, 176), (28, 166), (38, 178), (56, 178), (38, 200), (20, 212), (0, 216)]))
    c.mark(f"M{14 + x0},111 Q{29 + x0},104 {44 + x0},112 Q{29 + x0},118 {14 + x0},111Z")  # palpebral fissure
    c.line(f([(0, 20), (0, 222)]), dashed=True)
    c.label(x0, 234, "Face, front view", bold=True)
    c.label(x0 + 40, 246, "LEFT half", size=8)
    c.label(x0 - 40, 246, "(right)", size=8)

    # ---- cranial (back) surface of the auricle, seen from behind
    ex, ey = 462, 58
    back = [
        (ex - 12, ey - 28),
        (ex + 4, ey - 34),
        (ex + 16, ey - 22),
        (ex + 18, ey),
        (ex + 14, ey + 22),
        (ex + 4, ey + 34),
        (ex - 8, ey + 30),
        (ex - 12, ey + 10),
    ]
    c.body(back)
    r(
        "skin_upper_cranial_surface_of_auricle",
        [(ex - 12, ey - 28), (ex + 4, ey - 34), (ex + 16, ey - 22), (ex + 17, ey - 12), (ex - 12, ey - 10)],
    )
    r(
        "skin_lower_cranial_surface_of_auricle",
        [
            (ex - 12, ey - 10),
            (ex + 17, ey - 12),
            (ex + 18, ey),
            (ex + 14, ey + 22),
            (ex + 4, ey + 34),
            (ex - 8, ey + 30),
            (ex - 12, ey + 10),
        ],
    )
    c.label(ex + 2, ey + 48, "Auricle, back", size=8)

    # ---- deep: nasal cavity and maxillary sinus (coronal section, left half)
    dx, dy = 430, 124
    c.body([(dx, dy), (dx + 62, dy), (dx + 62, dy + 78), (dx, dy + 78)], curved=False)
    c.mark(smooth(ellipse(dx + 36, dy + 18, 16, 12, 12)))  # orbit
    r(
        "mucosa_of_anterior_nasal_cavity",
        [(dx + 3, dy + 14), (dx + 14, dy + 14), (dx + 17, dy + 40), (dx + 18, dy + 70), (dx + 3, dy + 70)],
    )
    r(
        "mucosa_of_maxillary_sinus",
        [(dx + 22, dy + 38), (dx + 52, dy + 36), (dx + 56, dy + 56), (dx + 40, dy + 70), (dx + 22, dy + 66)],
    )
    c.line([(dx, dy - 2), (dx, dy + 80)], dashed=True)
    c.label(dx + 31, dy + 92, "Nose, sinus", size=8)
    c.label(dx + 31, dy + 102, "(coronal)", size=8)
    c.label(dx + 36, dy + 21, "orbit", size=6)

    # ---- mouth: roof (palate from below) and floor (tongue from above), left halves; front at the top
    py = 280
    c.label(390, py - 12, "Mouth, left half, front at the top", size=8)
    for qx, roof in ((300, True), (404, False)):
        outline = [
            (qx, py),
            (qx + 30, py + 2),
            (qx + 54, py + 20),
            (qx + 60, py + 60),
            (qx + 56, py + 86),
            (qx, py + 86),
        ]
        c.body(outline)
        c.line([(qx, py - 4), (qx, py + 90)], dashed=True)
        lip = [(qx, py), (qx + 30, py + 2), (qx + 36, py + 8), (qx + 22, py + 10), (qx, py + 8)]
        if roof:
            r("mucosa_of_upper_lip", lip)
            r("mucosa_of_anterior_hard_palate", [(qx, py + 14), (qx + 12, py + 14), (qx + 12, py + 26), (qx, py + 28)])
            r(
                "mucosa_of_hard_palate",
                [
                    (qx, py + 28),
                    (qx + 12, py + 26),
                    (qx + 12, py + 14),
                    (qx + 30, py + 16),
                    (qx + 38, py + 34),
                    (qx + 40, py + 58),
                    (qx, py + 60),
                ],
            )
            r("mucosa_of_soft_palate", [(qx, py + 60), (qx + 40, py + 58), (qx + 38, py + 84), (qx, py + 84)])
            r(
                "gingiva_of_upper_molars_buccal",
                [(qx + 42, py + 30), (qx + 48, py + 30), (qx + 50, py + 62), (qx + 44, py + 62)],
            )
            r(
                "buccal_mucosa",
                [(qx + 50, py + 30), (qx + 56, py + 34), (qx + 58, py + 60), (qx + 54, py + 80), (qx + 50, py + 62)],
            )
            c.mark(f"M{qx + 12},{py + 12} Q{qx + 34},{py + 12} {qx + 40},{py + 30} L{qx + 42},{py + 64}")  # teeth
            c.label(qx + 30, py + 102, "palate, from below", size=8)
        else:
            r("mucosa_of_lower_lip", lip)
            r(
                "mucosa_of_floor_of_mouth",
                [
                    (qx, py + 12),
                    (qx + 24, py + 13),
                    (qx + 40, py + 24),
                    (qx + 46, py + 60),
                    (qx + 34, py + 62),
                    (qx + 30, py + 32),
                    (qx + 18, py + 22),
                    (qx, py + 22),
                ],
            )
            r(
                "mucosa_of_anterior_tongue",
                [(qx, py + 22), (qx + 18, py + 22), (qx + 30, py + 32), (qx + 34, py + 62), (qx, py + 62)],
            )
            c.mark(f"M{qx},{py + 62} L{qx + 36},{py + 62} L{qx + 38},{py + 84}")  # posterior third of the tongue
            c.label(qx + 30, py + 102, "tongue, from above", size=8)
    return c


# ============================================================================ hand
FINGERS = {  # palmar view of the LEFT hand, fingers up, thumb on the viewer's LEFT: (x_radial, x_ulnar, base, tip)
    "index": (74, 100, 150, 56),
    "middle": (103, 129, 146, 40),
    "ring": (132, 157, 149, 52),
    "little": (160, 181, 156, 86),
}
THUMB = Tube(
    [  # inner = ulnar side (toward the index), outer = radial side
        ((84, 214), (70, 252)),  # 0 thumb CMC (thenar)
        ((64, 190), (44, 220)),  # 1 MCP
        ((49, 168), (27, 190)),  # 2 IP joint
        ((40, 154), (18, 170)),  # 3 tip
    ]
)
PALM = [
    (74, 150),
    (100, 150),
    (103, 146),
    (129, 146),
    (132, 149),
    (157, 149),
    (160, 156),
    (181, 156),
    (186, 200),
    (186, 262),
    (176, 296),
    (94, 296),
    (70, 252),
    (84, 214),
    (76, 196),
]
WEB = [(74, 158), (76, 196), (84, 214), THUMB.at(0.7, 0), THUMB.at(1.5, 0)]  # skin between thumb and index


def finger_tube(name: str) -> Tube:
    xr, xu, base, tip = FINGERS[name]
    n = 3
    return Tube([((xr, lerp(base, tip, k / n)), (xu, lerp(base, tip, k / n))) for k in range(n + 1)])


def cap(a: Pt, b: Pt, toward: Pt, bulge: float = 0.9, n: int = 6) -> list[Pt]:
    """Round end from ``a`` to ``b``: a half-ellipse bulging away from the point ``toward`` (inside the digit)."""
    cx, cy = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    hx, hy = (b[0] - a[0]) / 2, (b[1] - a[1]) / 2
    nx, ny = hy * bulge, -hx * bulge
    if nx * (cx - toward[0]) + ny * (cy - toward[1]) < 0:
        nx, ny = -nx, -ny
    out = []
    for k in range(1, n):
        t = math.pi * k / n
        out.append((cx - hx * math.cos(t) + nx * math.sin(t), cy - hy * math.cos(t) + ny * math.sin(t)))
    return out


def tube_cap(t: Tube) -> list[Pt]:
    return cap(t.at(t.n, 0), t.at(t.n, 1), t.at(t.n - 1, 0.5))


def finger_end(t: Tube, f0: float = 0.0, f1: float = 1.0) -> list[Pt]:
    """The rounded tip of a digit tube between f0 and f1 (the part of the round end over that width)."""
    full = [t.at(t.n, 0), *tube_cap(t), t.at(t.n, 1)]
    if (f0, f1) == (0.0, 1.0):
        return full
    k = len(full) // 2
    return full[: k + 1] if f0 == 0.0 else full[k:]


def hand(view: str) -> Chart:
    palmar = view == "hand_palmar"
    c = Chart(
        view,
        260,
        350,
        f"Left hand, {'palmar' if palmar else 'dorsal'} view",
        f"LEFT hand, {'palm' if palmar else 'back of the hand'} facing you, fingers up: the thumb (radial side) is "
        f"on your {'left' if palmar else 'right'}. Schematic.",
    )

    def f(pts: Sequence[Pt]) -> list[Pt]:
        return list(pts) if palmar else mirror(pts, 130)

    c.body(f([(94, 290), (176, 290), (172, 340), (98, 340)]), curved=False)
    c.body(f(PALM), curved=False)
    c.body(f(WEB), curved=False)
    c.body(
        f(
            [
                THUMB.at(0, 0),
                THUMB.at(1, 0),
                THUMB.at(2, 0),
                THUMB.at(3, 0),
                *tube_cap(THUMB),
                THUMB.at(3, 1),
                THUMB.at(2, 1),
                THUMB.at(1, 1),
                THUMB.at(0, 1),
            ]
        ),
        curved=False,
    )
    for name in FINGERS:
        ft = finger_tube(name)
        c.body(f([ft.at(0, 0), ft.at(3, 0), *tube_cap(ft), ft.at(3, 1), ft.at(0, 1)]), curved=False)

    def thumb_tip() -> list[Pt]:
        return [THUMB.at(2, 0), THUMB.at(3, 0), *tube_cap(THUMB), THUMB.at(3, 1), THUMB.at(2, 1)]

    if palmar:
        c.region(
            "skin_thenar_eminence",
            [THUMB.at(0.7, 0), THUMB.at(0.7, 1), (70, 252), (94, 296), (116, 296), (112, 246), (102, 214), (84, 214)],
        )
        c.region("skin_hypothenar_eminence", [(160, 200), (186, 200), (186, 262), (176, 296), (152, 296), (156, 246)])
        c.region(
            "skin_central_palm", [(102, 214), (112, 246), (116, 296), (152, 296), (156, 246), (160, 200), (110, 200)]
        )
        c.region(
            "skin_distal_palm_lateral",
            [
                (76, 196),
                (74, 150),
                (100, 150),
                (103, 146),
                (129, 146),
                (132, 149),
                (145, 149),
                (145, 200),
                (110, 200),
                (102, 214),
                (84, 214),
            ],
        )
        c.region("skin_distal_palm_medial", [(145, 149), (157, 149), (160, 156), (181, 156), (186, 200), (145, 200)])
        for name in FINGERS:
            ft = finger_tube(name)
            short = name in ("index", "little")  # these two have a separate "tip" region
            if short:  # proximal and middle phalanges only
                rad, uln = ft.rect(0, 2, 0, 0.5), ft.rect(0, 2, 0.5, 1)
            else:  # the whole length, tip included
                rad = [ft.at(0, 0), *finger_end(ft, 0, 0.5), ft.at(0, 0.5)]
                uln = [ft.at(0, 0.5), *finger_end(ft, 0.5, 1), ft.at(0, 1)]
            c.region(f"skin_palmar_{name}_radial_side", rad)
            c.region(f"skin_palmar_{name}_ulnar_side", uln)
            if short:
                c.region(f"skin_tip_of_{name}_finger", [ft.at(2, 0), *finger_end(ft), ft.at(2, 1)])
            for k in (1, 2):
                c.line([ft.at(k, 0.05), ft.at(k, 0.95)])  # flexion creases
        c.region("skin_palmar_thumb_radial_side", THUMB.rect(0.7, 2, 0.5, 1))
        c.region("skin_palmar_thumb_ulnar_side", THUMB.rect(0.7, 2, 0, 0.5))
        c.region("skin_pulp_of_thumb", thumb_tip())
        c.line([THUMB.at(2, 0.05), THUMB.at(2, 0.95)])
        c.label(26, 292, "radial", size=8)
        c.label(26, 302, "(thumb)", size=8)
        c.label(222, 292, "ulnar", size=8)
    else:
        c.region(
            "skin_dorsum_of_hand_radial_half",
            f(
                [
                    (74, 150),
                    (100, 150),
                    (103, 146),
                    (116, 146),
                    (118, 200),
                    (116, 296),
                    (108, 296),
                    (108, 292),
                    (90, 256),
                    (70, 252),
                    THUMB.at(0.7, 1),
                    THUMB.at(0.7, 0),
                    (84, 214),
                    (76, 196),
                    (74, 158),
                ]
            ),
        )
        c.region(
            "skin_dorsum_of_hand_central_strip",
            f([(116, 146), (129, 146), (132, 149), (146, 149), (146, 296), (116, 296), (118, 200)]),
        )
        c.region(
            "skin_dorsum_of_hand_ulnar_half",
            f([(146, 149), (157, 149), (160, 156), (181, 156), (186, 200), (186, 262), (176, 296), (146, 296)]),
        )
        c.region("skin_first_dorsal_web_space", f(WEB))
        c.region("skin_anatomical_snuffbox", f([(70, 252), (90, 256), (108, 292), (106, 320), (97, 320), (94, 296)]))
        for name in FINGERS:
            ft = finger_tube(name)
            xr, xu, _base, tip = FINGERS[name]
            c.region(f"skin_dorsal_{name}_radial_side", f(ft.rect(0, 1, 0, 0.5)))
            c.region(f"skin_dorsal_{name}_ulnar_side", f(ft.rect(0, 1, 0.5, 1)))
            if name == "ring":
                c.region(
                    "skin_dorsal_distal_ring_finger_radial_half",
                    f([ft.at(1, 0), *finger_end(ft, 0, 0.5), ft.at(1, 0.5)]),
                )
                c.region(
                    "skin_dorsal_distal_ring_finger_ulnar_half",
                    f([ft.at(1, 0.5), *finger_end(ft, 0.5, 1), ft.at(1, 1)]),
                )
            else:
                c.region(f"skin_dorsal_distal_{name}_finger", f([ft.at(1, 0), *finger_end(ft), ft.at(1, 1)]))
            for k in (1, 2):
                c.line(f([ft.at(k, 0.1), ft.at(k, 0.9)]))  # knuckle lines
            c.mark(smooth(f(ellipse((xr + xu) / 2, tip + 9, 7, 9, 10))))  # nail
        c.region("skin_dorsal_thumb_radial_side", f(THUMB.rect(0.7, 2, 0.5, 1)))
        c.region("skin_dorsal_thumb_ulnar_side", f(THUMB.rect(0.7, 2, 0, 0.5)))
        c.region("skin_nail_bed_of_thumb", f(thumb_tip()))
        c.mark(smooth(f(ellipse(*THUMB.at(2.6, 0.5), 7, 9, 10, rot=-40))))
        c.label(234, 292, "radial", size=8)
        c.label(234, 302, "(thumb)", size=8)
        c.label(38, 292, "ulnar", size=8)
    c.label(135, 332, "wrist", size=8)
    return c


# ============================================================================ foot
TOES = {  # dorsal view of the LEFT foot, toes up, hallux on the viewer's RIGHT: (x_lateral, x_medial, base, tip)
    "toe5": (66, 84, 124, 92),
    "toe4": (86, 104, 112, 74),
    "toe3": (106, 124, 104, 62),
    "toe2": (126, 146, 98, 50),
    "hallux": (150, 186, 102, 46),
}
FOOT = [
    (64, 126),
    (86, 114),
    (106, 106),
    (126, 100),
    (150, 104),
    (188, 106),
    (192, 150),
    (188, 200),
    (180, 250),
    (176, 292),
    (166, 324),
    (140, 336),
    (116, 330),
    (104, 306),
    (96, 262),
    (80, 212),
    (66, 168),
]


def toe_tube(name: str) -> Tube:
    xl, xm, base, tip = TOES[name]
    return Tube([((xl, lerp(base + 12, tip, k / 3)), (xm, lerp(base + 12, tip, k / 3))) for k in range(4)])


def foot(view: str) -> Chart:
    plantar = view == "foot_plantar"
    c = Chart(
        view,
        250,
        360,
        f"Left foot, {'plantar' if plantar else 'dorsal'} view",
        f"LEFT foot, {'sole' if plantar else 'top of the foot'} facing you, toes up: the great toe (medial side) is "
        f"on your {'left' if plantar else 'right'}. Schematic.",
    )

    def f(pts: Sequence[Pt]) -> list[Pt]:
        return mirror(pts, 125) if plantar else list(pts)

    for name in TOES:
        tt = toe_tube(name)
        c.body(f([tt.at(0, 0), tt.at(3, 0), *tube_cap(tt), tt.at(3, 1), tt.at(0, 1)]), curved=False)
    c.body(f(FOOT), curved=True)
    kind = "plantar" if plantar else "dorsal"
    for name in TOES:
        tt = toe_tube(name)
        xl, xm, base, tip = TOES[name]
        s0 = (12 - 5) / (base + 12 - tip) * 3  # start just inside the foot outline (foot regions are drawn over)
        c.region(f"skin_{kind}_{name}_lateral", f([tt.at(s0, 0), *finger_end(tt, 0, 0.5), tt.at(s0, 0.5)]))
        c.region(f"skin_{kind}_{name}_medial", f([tt.at(s0, 0.5), *finger_end(tt, 0.5, 1), tt.at(s0, 1)]))
        if not plantar:
            c.mark(smooth(ellipse((xl + xm) / 2, tip + 8, (xm - xl) / 3, 6, 10)))  # nail
    if plantar:
        c.region(
            "skin_medial_sole",
            f(
                [
                    (118, 102),
                    (126, 100),
                    (150, 104),
                    (188, 106),
                    (192, 150),
                    (188, 200),
                    (182, 244),
                    (110, 244),
                    (104, 190),
                    (110, 140),
                ]
            ),
        )
        c.region(
            "skin_lateral_sole",
            f(
                [
                    (64, 126),
                    (86, 114),
                    (106, 106),
                    (118, 102),
                    (110, 140),
                    (104, 190),
                    (110, 244),
                    (98, 244),
                    (80, 212),
                    (66, 168),
                ]
            ),
        )
        c.region(
            "skin_heel",
            f([(110, 244), (182, 244), (176, 292), (166, 324), (140, 336), (128, 316), (122, 280), (112, 258)]),
        )
        c.region(
            "skin_lateral_heel",
            f(
                [
                    (98, 244),
                    (110, 244),
                    (112, 258),
                    (122, 280),
                    (128, 316),
                    (140, 336),
                    (116, 330),
                    (104, 306),
                    (96, 262),
                ]
            ),
        )
        c.label(*f([(44, 300)])[0], "lateral", size=8)
        c.label(*f([(212, 300)])[0], "medial", size=8)
        c.label(125, 354, "heel", size=8)
    else:
        c.region(
            "skin_dorsum_foot_medial",
            [(128, 104), (150, 104), (170, 106), (166, 180), (154, 270), (130, 270), (128, 180)],
        )
        c.region(
            "skin_dorsum_foot_lateral",
            [(86, 114), (106, 106), (128, 104), (128, 180), (130, 270), (104, 270), (92, 216), (84, 166)],
        )
        c.region(
            "skin_lateral_border_foot",
            [
                (64, 126),
                (86, 114),
                (84, 166),
                (92, 216),
                (104, 270),
                (112, 318),
                (104, 306),
                (96, 262),
                (80, 212),
                (66, 168),
            ],
        )
        c.region(
            "skin_medial_border_foot",
            [(170, 106), (188, 106), (192, 150), (188, 200), (180, 250), (176, 292), (154, 270), (166, 180)],
        )
        c.line([(104, 272), (154, 272)], dashed=True)
        c.label(130, 300, "ankle", size=8)
        c.label(44, 300, "lateral", size=8)
        c.label(212, 300, "medial", size=8)
    return c


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    charts = [
        anterior(),
        posterior(),
        head(),
        hand("hand_palmar"),
        hand("hand_dorsal"),
        foot("foot_plantar"),
        foot("foot_dorsal"),
    ]
    for chart in charts:
        (OUT / f"{chart.view}.svg").write_text(chart.svg(), encoding="utf-8")
        print(f"{chart.view}: {len(chart.ids)} regions")


if __name__ == "__main__":
    main()
