<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
  <context>
    <name>Unmix3D</name>
    <message>
      <source>Degrade resolution (block mean)</source>
      <translation>Dégrader la résolution (moyenne par bloc)</translation>
    </message>
    <message>
      <source>Image tools</source>
      <translation>Outils image</translation>
    </message>
    <message>
      <source>Aggregates a raster to a coarser resolution by an integer factor: each output pixel is the mean of the valid input pixels in its FACTOR x FACTOR block, which is exact for reflectance factors. The output grid starts at the input's top-left corner. Blocks at the right and bottom edges that the input covers only partly are kept when enough of their footprint is valid (pixels beyond the edge count as missing). This is the method's spatial resolution degradation, used to soften co-registration error.</source>
      <translation>Agrège un raster à une résolution plus grossière selon un facteur entier : chaque pixel de sortie est la moyenne des pixels d'entrée valides de son bloc FACTOR x FACTOR, ce qui est exact pour des facteurs de réflectance. La grille de sortie commence au coin supérieur gauche de l'entrée. Les blocs des bords droit et inférieur que l'entrée ne couvre qu'en partie sont conservés lorsqu'une part suffisante de leur emprise est valide (les pixels au-delà du bord comptent comme manquants). C'est la dégradation de résolution spatiale de la méthode, utilisée pour atténuer les erreurs de co-registration.</translation>
    </message>
    <message>
      <source>The raster to aggregate (any number of bands; NoData and NaN are respected).</source>
      <translation>Le raster à agréger (nombre quelconque de bandes ; NoData et NaN sont respectés).</translation>
    </message>
    <message>
      <source>Whole number of input pixels per output pixel along each axis (2 turns 10 m into 20 m).</source>
      <translation>Nombre entier de pixels d'entrée par pixel de sortie selon chaque axe (2 transforme 10 m en 20 m).</translation>
    </message>
    <message>
      <source>An output pixel is NoData when less than this fraction of its block holds valid input pixels.</source>
      <translation>Un pixel de sortie vaut NoData lorsque moins de cette fraction de son bloc contient des pixels d'entrée valides.</translation>
    </message>
    <message>
      <source>The aggregated GeoTIFF, with the input's band names and CRS.</source>
      <translation>Le GeoTIFF agrégé, avec les noms de bandes et le SCR de l'entrée.</translation>
    </message>
    <message>
      <source>Input raster</source>
      <translation>Raster d'entrée</translation>
    </message>
    <message>
      <source>Aggregation factor</source>
      <translation>Facteur d'agrégation</translation>
    </message>
    <message>
      <source>Minimum valid share of a block</source>
      <translation>Part valide minimale d'un bloc</translation>
    </message>
    <message>
      <source>Degraded raster</source>
      <translation>Raster dégradé</translation>
    </message>
    <message>
      <source>INPUT is not a raster layer QGIS can open.</source>
      <translation>INPUT n'est pas une couche raster que QGIS peut ouvrir.</translation>
    </message>
  </context>
</TS>
