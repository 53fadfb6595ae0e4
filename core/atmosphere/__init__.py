"""Top-of-atmosphere input: a 6S atmosphere (``sixs``) coupled to the traced 3D scene
(``coupling``). No qgis import here."""
