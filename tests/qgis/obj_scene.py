"""Small OBJ mock-ups written by the QGIS tests (boxes on a ground, one group per part)."""


def rectangle(x0, y0, x1, y1, z):
    a, b, c, d = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [(a, b, c), (a, c, d)]


def box(x0, y0, x1, y1, height):
    faces = rectangle(x0, y0, x1, y1, height)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
        faces += [((ax, ay, 0), (bx, by, 0), (bx, by, height)),
                  ((ax, ay, 0), (bx, by, height), (ax, ay, height))]
    return faces


def write_obj(path, groups):
    lines, count = [], 0
    for name, triangles in groups.items():
        lines.append(f"g {name}")
        for triangle in triangles:
            for x, y, z in triangle:
                lines.append(f"v {x:.3f} {y:.3f} {z:.3f}")
            lines.append(f"f {count + 1} {count + 2} {count + 3}")
            count += 3
    path.write_text("\n".join(lines) + "\n")
