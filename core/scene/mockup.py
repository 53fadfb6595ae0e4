"""Mock-up loading: triangles with the name of the part (OBJ group, glTF mesh, file) each
belongs to, shifted to a local origin before being stored in float32.

Real mock-ups sit at UTM coordinates of hundreds of thousands of metres where float32 keeps
only about 0.5 m, hence the float64 ``origin`` and the float32 local ``triangles``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np


class MockupError(ValueError):
    """A mock-up that cannot be used, with the file named."""


@dataclass
class Mockup:
    triangles: np.ndarray  # float32 (n, 3, 3): vertices in metres, minus ``origin``
    origin: np.ndarray  # float64 (3,): the local frame's origin in the mock-up's CRS
    part_of_triangle: np.ndarray  # int32 (n,): index into part_names
    part_names: list[str]
    path: str = ""
    notes: list[str] = field(default_factory=list)  # what loading dropped or repaired

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)

    def local_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        flat = self.triangles.reshape(-1, 3)
        return flat.min(axis=0).astype(np.float64), flat.max(axis=0).astype(np.float64)

    def world_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.local_bounds()
        return low + self.origin, high + self.origin


def mockup_from_triangles(
    triangles_world: np.ndarray,
    part_of_triangle: np.ndarray,
    part_names: list[str],
    path: str = "",
    origin: np.ndarray | None = None,
) -> Mockup:
    """Build a mock-up from float64 world-coordinate triangles (n, 3, 3); drops degenerate
    (zero-area) triangles and says how many."""
    name = os.path.basename(path) or "mock-up"
    triangles_world = np.asarray(triangles_world, dtype=np.float64)
    if triangles_world.ndim != 3 or triangles_world.shape[1:] != (3, 3) or not len(
        triangles_world
    ):
        raise MockupError(f"{name} contains no triangles")
    if not np.isfinite(triangles_world).all():
        raise MockupError(f"{name} has vertices that are not finite numbers")
    if origin is None:
        origin = triangles_world.reshape(-1, 3).min(axis=0)
        origin = np.floor(origin)
    local = triangles_world - origin
    cross = np.cross(local[:, 1] - local[:, 0], local[:, 2] - local[:, 0])
    area = 0.5 * np.linalg.norm(cross, axis=1)
    keep = area > 1e-10
    notes = []
    if not keep.all():
        notes.append(f"{name}: dropped {int((~keep).sum())} degenerate (zero-area) triangles")
        if not keep.any():
            raise MockupError(f"{name}: every triangle is degenerate (zero area)")
    return Mockup(
        triangles=np.ascontiguousarray(local[keep], dtype=np.float32),
        origin=np.asarray(origin, dtype=np.float64),
        part_of_triangle=np.asarray(part_of_triangle, dtype=np.int32)[keep],
        part_names=list(part_names),
        path=path,
        notes=notes,
    )


def load_mockup(path: str | os.PathLike) -> Mockup:
    """Load OBJ (parts = groups, read by ``read_obj``), PLY, STL (one part named after the
    file), glTF/GLB (parts = mesh names, node transforms applied) through trimesh."""
    import trimesh

    path = str(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise MockupError(f"mock-up file {path} does not exist")
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension == "obj":
        triangles, part, part_names = read_obj(path)
        return mockup_from_triangles(triangles, part, part_names, path)
    options = {"process": False}
    try:
        loaded = trimesh.load(path, force="scene", **options)
    except Exception as error:  # trimesh raises many kinds; the user needs the file named
        raise MockupError(f"{name}: trimesh cannot read it as a mock-up ({error})") from None
    pieces, parts, part_names = [], [], []
    for node in loaded.graph.nodes_geometry:
        transform, geometry_name = loaded.graph[node]
        mesh = loaded.geometry[geometry_name]
        faces = getattr(mesh, "faces", None)
        if faces is None or len(faces) == 0:
            continue
        vertices = np.asarray(mesh.vertices, dtype=np.float64)
        if not np.allclose(transform, np.eye(4)):
            vertices = vertices @ transform[:3, :3].T + transform[:3, 3]
        pieces.append(vertices[np.asarray(faces)])
        part = geometry_name if extension in ("obj", "gltf", "glb") else os.path.splitext(name)[0]
        if part not in part_names:
            part_names.append(part)
        parts.append(np.full(len(faces), part_names.index(part), dtype=np.int32))
    if not pieces:
        raise MockupError(f"{name} contains no triangles")
    return mockup_from_triangles(np.concatenate(pieces), np.concatenate(parts), part_names, path)


def read_obj(path: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Triangles (n, 3, 3) float64, their part index and the part names of an OBJ file.

    Parts are the ``g`` groups (``o`` objects where a file has no groups; the file's name
    where it has neither). Polygons are fan-triangulated; texture and normal indices and
    negative (relative) indices are understood. One pass over the file, turning every
    ``CHUNK`` lines into numpy arrays so that memory stays near that of the arrays
    (trimesh's group-splitting loader takes minutes on city mock-ups with thousands of
    groups).
    """
    name = os.path.basename(path)
    reader = _ObjChunks(name)
    part_names: list[str] = []
    current = -1
    uses_groups = False
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            head = line[:2]
            if head == "v ":
                reader.vertex(line, number)
            elif head == "f ":
                if current < 0:
                    part_names.append(os.path.splitext(name)[0])
                    current = 0
                reader.face(line, current, number)
            elif head in ("g ", "o "):
                if head == "o " and uses_groups:
                    continue
                uses_groups |= head == "g "
                label = line[2:].strip() or "default"
                if label not in part_names:
                    part_names.append(label)
                current = part_names.index(label)
    vertices, faces, part = reader.finish()
    if not len(faces):
        raise MockupError(f"{name} contains no triangles")
    if faces.max() >= len(vertices) or faces.min() < 0:
        raise MockupError(f"{name}: a face refers to a vertex that does not exist")
    used = np.unique(part)  # groups without faces are not parts
    remap = np.full(len(part_names), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    return vertices[faces], remap[part], [part_names[i] for i in used]


class _ObjChunks:
    """Accumulates OBJ vertex and face lines and converts them to arrays chunk by chunk."""

    CHUNK = 500_000

    def __init__(self, name: str):
        self.name = name
        self.vertex_lines: list[str] = []
        self.vertex_numbers: list[int] = []  # line numbers, to name a bad vertex's line
        self.vertex_arrays: list[np.ndarray] = []
        self.vertex_count = 0
        self.face_lines: list[str] = []
        self.face_info: list[tuple[int, int, int]] = []  # (part, vertices so far, line number)
        self.face_arrays: list[np.ndarray] = []
        self.part_arrays: list[np.ndarray] = []

    def vertex(self, line: str, number: int = 0) -> None:
        self.vertex_lines.append(line[2:])
        self.vertex_numbers.append(number)
        self.vertex_count += 1
        if len(self.vertex_lines) >= self.CHUNK:
            self._flush_vertices()

    def face(self, line: str, part: int, number: int) -> None:
        self.face_lines.append(line[2:])
        self.face_info.append((part, self.vertex_count, number))
        if len(self.face_lines) >= self.CHUNK:
            self._flush_faces()

    def _flush_vertices(self) -> None:
        if not self.vertex_lines:
            return
        try:
            numbers = np.array(" ".join(self.vertex_lines).split(), dtype=np.float64)
            if numbers.size != 3 * len(self.vertex_lines):  # x y z [w] or x y z r g b
                numbers = np.array([v.split()[:3] for v in self.vertex_lines], dtype=np.float64)
        except ValueError:
            raise MockupError(f"{self.name} line {self._bad_vertex_line()}: a vertex line "
                              "does not hold numbers x y z") from None
        numbers = numbers.reshape(-1, 3)
        finite = np.isfinite(numbers).all(axis=1)
        if not finite.all():
            bad = int(np.argmin(finite))
            raise MockupError(f"{self.name} line {self.vertex_numbers[bad]}: vertex "
                              f"{self.vertex_lines[bad].strip()!r} is not finite (nan or inf)")
        self.vertex_arrays.append(numbers)
        self.vertex_lines, self.vertex_numbers = [], []

    def _bad_vertex_line(self) -> int:
        for line, number in zip(self.vertex_lines, self.vertex_numbers, strict=True):
            try:
                if len([float(v) for v in line.split()[:3]]) < 3:
                    return number
            except ValueError:
                return number
        return 0

    def _flush_faces(self) -> None:
        if not self.face_lines:
            return
        text = " ".join(self.face_lines)
        info = np.array(self.face_info, dtype=np.int64)
        tokens = text.split()
        fast = "/" not in text and len(tokens) == 3 * len(self.face_lines)
        if fast:
            faces = np.array(tokens, dtype=np.int64).reshape(-1, 3)
            fast = bool((faces > 0).all())
        if fast:
            self.face_arrays.append(faces - 1)
            self.part_arrays.append(info[:, 0].astype(np.int32))
        else:
            faces, parts = [], []
            for line, (part, count, number) in zip(self.face_lines, info, strict=True):
                corners = []
                for token in line.split():
                    index = int(token.split("/", 1)[0])
                    corners.append(index - 1 if index > 0 else count + index)
                if len(corners) < 3:
                    raise MockupError(f"{self.name} line {number}: a face needs 3 vertices")
                for k in range(1, len(corners) - 1):
                    faces.append((corners[0], corners[k], corners[k + 1]))
                    parts.append(part)
            self.face_arrays.append(np.asarray(faces, dtype=np.int64).reshape(-1, 3))
            self.part_arrays.append(np.asarray(parts, dtype=np.int32))
        self.face_lines, self.face_info = [], []

    def finish(self):
        self._flush_vertices()
        self._flush_faces()
        vertices = (np.concatenate(self.vertex_arrays) if self.vertex_arrays
                    else np.zeros((0, 3)))
        faces = (np.concatenate(self.face_arrays) if self.face_arrays
                 else np.zeros((0, 3), dtype=np.int64))
        parts = (np.concatenate(self.part_arrays) if self.part_arrays
                 else np.zeros(0, dtype=np.int32))
        return vertices, faces, parts
