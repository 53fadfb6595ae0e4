"""All the science of Unmix3D: plain scientific Python, no QGIS import below this folder."""
