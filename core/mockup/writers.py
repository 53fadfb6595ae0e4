"""Writers: the OBJ is streamed to a temporary file in chunks (numpy formatting, no Python
loop per triangle) and renamed into place by ``commit()``; GLB is collected in memory and
exported by trimesh. ``discard()`` leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .geometry import triangle_areas


class ObjStream:
    """Writes vertices and grouped faces to a temporary OBJ next to ``path``; ``commit()``
    renames it into place, ``discard()`` removes it. Tracks triangles and area per group
    element."""

    CHUNK = 200_000

    def __init__(self, path: str, header: Sequence[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent,
                                                  prefix=f".{self.path.stem}.", suffix=".obj")
        self.file = os.fdopen(handle, "w", encoding="ascii", newline="\n")
        self.file.write("".join(f"# {line}\n" for line in header))
        self.vertices = 0
        self.triangles = 0
        self.element_triangles: dict[str, int] = {}
        self.element_area: dict[str, float] = {}
        self.groups: set[str] = set()

    def add(self, vertices: np.ndarray, faces: np.ndarray, groups: Sequence[str],
            face_group: np.ndarray, group_element: Sequence[str]) -> None:
        """vertices (m, 3) world; faces (k, 3) into them; face_group (k,) into ``groups``;
        group_element: the element of each group (for the accounting)."""
        vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        if not len(faces):
            return
        area = triangle_areas(vertices[faces])
        face_group = np.asarray(face_group, dtype=np.int64)
        element_index = {e: i for i, e in enumerate(dict.fromkeys(group_element))}
        per_group_element = np.array([element_index[e] for e in group_element])
        fe = per_group_element[face_group]
        tri_count = np.bincount(fe, minlength=len(element_index))
        area_sum = np.bincount(fe, weights=area, minlength=len(element_index))
        for name, i in element_index.items():
            if tri_count[i]:
                self.element_triangles[name] = self.element_triangles.get(name, 0) + int(
                    tri_count[i])
                self.element_area[name] = self.element_area.get(name, 0.0) + float(area_sum[i])
        for start in range(0, len(vertices), self.CHUNK):
            block = np.round(vertices[start:start + self.CHUNK], 3)
            self.file.write(("v %.3f %.3f %.3f\n" * len(block)) % tuple(block.ravel().tolist()))
        order = np.argsort(face_group, kind="stable")
        faces = faces[order] + (self.vertices + 1)
        sorted_groups = face_group[order]
        cuts = np.flatnonzero(np.diff(sorted_groups)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [len(faces)]])
        pieces = []
        size = 0
        for a, b in zip(starts, stops, strict=True):
            name = groups[sorted_groups[a]]
            self.groups.add(name)
            pieces.append(f"g {name}\n")
            for c in range(a, b, self.CHUNK):
                d = min(b, c + self.CHUNK)
                pieces.append(("f %d %d %d\n" * (d - c)) % tuple(faces[c:d].ravel().tolist()))
                size += d - c
                if size >= self.CHUNK:
                    self.file.write("".join(pieces))
                    pieces, size = [], 0
        self.file.write("".join(pieces))
        self.vertices += len(vertices)
        self.triangles += len(faces)

    def add_soup(self, triangles: np.ndarray, groups: Sequence[str], face_group: np.ndarray,
                 group_element: Sequence[str]) -> None:
        triangles = np.asarray(triangles, dtype=np.float64).reshape(-1, 3, 3)
        faces = np.arange(3 * len(triangles)).reshape(-1, 3)
        self.add(triangles.reshape(-1, 3), faces, groups, face_group, group_element)

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()

    def commit(self) -> None:
        self.close()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.close()
        if os.path.exists(self.temporary):
            os.remove(self.temporary)


class GlbCollector:
    """Same interface as ObjStream; collects meshes per group and exports a GLB (trimesh)
    at commit. Holds the whole mock-up in memory: for moderate scenes."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.meshes: dict[str, list[np.ndarray]] = {}
        self.triangles = 0
        self.element_triangles: dict[str, int] = {}
        self.element_area: dict[str, float] = {}
        self.groups: set[str] = set()
        self.temporary = ""

    def add(self, vertices, faces, groups, face_group, group_element):
        vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        tris = vertices[faces]
        area = triangle_areas(tris)
        face_group = np.asarray(face_group)
        for g in np.unique(face_group):
            sel = face_group == g
            name, element = groups[g], group_element[g]
            self.meshes.setdefault(name, []).append(tris[sel])
            self.groups.add(name)
            self.element_triangles[element] = self.element_triangles.get(element, 0) + int(
                sel.sum())
            self.element_area[element] = self.element_area.get(element, 0.0) + float(
                area[sel].sum())
        self.triangles += len(faces)

    def add_soup(self, triangles, groups, face_group, group_element):
        triangles = np.asarray(triangles, dtype=np.float64).reshape(-1, 3, 3)
        self.add(triangles.reshape(-1, 3), np.arange(3 * len(triangles)).reshape(-1, 3),
                 groups, face_group, group_element)

    def close(self):
        pass

    def commit(self):
        import trimesh

        scene = trimesh.Scene()
        for name, pieces in self.meshes.items():
            tris = np.concatenate(pieces)
            mesh = trimesh.Trimesh(vertices=tris.reshape(-1, 3),
                                   faces=np.arange(3 * len(tris)).reshape(-1, 3), process=False)
            scene.add_geometry(mesh, geom_name=name, node_name=name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent,
                                                  prefix=f".{self.path.stem}.", suffix=".glb")
        os.close(handle)
        scene.export(self.temporary, file_type="glb")
        os.replace(self.temporary, self.path)

    def discard(self):
        if self.temporary and os.path.exists(self.temporary):
            os.remove(self.temporary)


def atomic_text(path: str, text: str) -> str:
    """Write text to a temporary file beside ``path``; return the temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                         suffix=path.suffix)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return temporary
