<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
  <context>
    <name>Unmix3D</name>
    <message>
      <source>Build 3D mock-up from layers</source>
      <translation>Construire une maquette 3D à partir de couches</translation>
    </message>
    <message>
      <source>Radiative transfer</source>
      <translation>Transfert radiatif</translation>
    </message>
    <message>
      <source>Builds a classified 3D mock-up (OBJ with one group per part, or GLB) and a matching element-table template from layers: a DEM (or flat ground) classified by a land cover, building footprints extruded to flat roofs (height field, floors or DSM; courtyards and multipolygons handled), trees as ellipsoidal crowns of leaf triangles or turbid volumes on trunks, and water polygons. Every layer is reprojected to the target CRS (projected, metres). The triangle count is stated before anything is written; invalid polygons are repaired, missing heights counted and reported; nothing is left half-written on error or cancel.</source>
      <translation>Construit une maquette 3D classifiée (OBJ avec un groupe par partie, ou GLB) et un modèle de table des éléments correspondant à partir de couches : un DEM (ou un sol plat) classifié par une occupation du sol, des emprises de bâtiments extrudées jusqu'à des toits plats (champ de hauteur, nombre d'étages ou DSM ; cours intérieures et multipolygones pris en charge), des arbres sous forme de houppiers ellipsoïdaux faits de triangles de feuilles ou de volumes turbides sur des troncs, et des polygones d'eau. Chaque couche est reprojetée dans le SCR cible (projeté, en mètres). Le nombre de triangles est indiqué avant toute écriture ; les polygones invalides sont réparés, les hauteurs manquantes comptées et signalées ; rien n'est laissé à moitié écrit en cas d'erreur ou d'annulation.</translation>
    </message>
    <message>
      <source>The image the mock-up is for: its extent plus MARGIN is the mock-up's extent and its CRS the default target CRS. Without it, give EXTENT.</source>
      <translation>L'image à laquelle la maquette est destinée : son emprise plus MARGIN donne l'emprise de la maquette, et son SCR le SCR cible par défaut. Sans elle, indiquez EXTENT.</translation>
    </message>
    <message>
      <source>Extent of the mock-up when no IMAGE is given (MARGIN is added).</source>
      <translation>Emprise de la maquette lorsqu'aucune IMAGE n'est fournie (MARGIN est ajoutée).</translation>
    </message>
    <message>
      <source>Metres added on every side of the image's extent, so that oblique rays near the image's edges still meet the scene.</source>
      <translation>Mètres ajoutés de chaque côté de l'emprise de l'image, afin que les rayons obliques proches des bords de l'image rencontrent encore la scène.</translation>
    </message>
    <message>
      <source>Projected CRS (metres) of the mock-up; default: the IMAGE's CRS, else the EXTENT's. Every layer is reprojected to it.</source>
      <translation>SCR projeté (en mètres) de la maquette ; par défaut : le SCR de l'IMAGE, sinon celui de l'EXTENT. Chaque couche y est reprojetée.</translation>
    </message>
    <message>
      <source>Terrain heights in metres (band 1). Without it the ground is flat at GROUND_HEIGHT. Gaps inside the extent are filled from the nearest values and reported; trees and buildings over gaps or beyond the DEM are skipped.</source>
      <translation>Altitudes du terrain en mètres (bande 1). Sans lui, le sol est plat à GROUND_HEIGHT. Les lacunes à l'intérieur de l'emprise sont comblées à partir des valeurs les plus proches et signalées ; les arbres et bâtiments situés sur des lacunes ou au-delà du DEM sont ignorés.</translation>
    </message>
    <message>
      <source>Spacing of the ground's height-field grid; 0 = the DEM's resolution (or the land-cover raster's, or 10 m).</source>
      <translation>Pas de la grille du champ de hauteur du sol ; 0 = la résolution du DEM (ou celle du raster d'occupation du sol, ou 10 m).</translation>
    </message>
    <message>
      <source>Height of the flat ground when no DEM is given.</source>
      <translation>Hauteur du sol plat lorsqu'aucun DEM n'est fourni.</translation>
    </message>
    <message>
      <source>Element of ground cells without a land-cover class.</source>
      <translation>Élément des cellules de sol sans classe d'occupation du sol.</translation>
    </message>
    <message>
      <source>Classifies the ground: a raster of class values (value k becomes element class_k unless LANDCOVER_MAPPING names it) or polygons with a class field (LANDCOVER_FIELD). Each ground cell takes the class at its centre.</source>
      <translation>Classifie le sol : un raster de valeurs de classe (la valeur k devient l'élément class_k sauf si LANDCOVER_MAPPING la nomme) ou des polygones avec un champ de classe (LANDCOVER_FIELD). Chaque cellule de sol prend la classe située en son centre.</translation>
    </message>
    <message>
      <source>Field of the land-cover polygons holding the class name (e.g. grass, asphalt); it becomes the element name (lowercase, _ for other characters).</source>
      <translation>Champ des polygones d'occupation du sol contenant le nom de la classe (p. ex. grass, asphalt) ; il devient le nom de l'élément (en minuscules, _ pour les autres caractères).</translation>
    </message>
    <message>
      <source>For a land-cover raster: value:name pairs, e.g. 1:grass,2:asphalt.</source>
      <translation>Pour un raster d'occupation du sol : paires valeur:nom, p. ex. 1:grass,2:asphalt.</translation>
    </message>
    <message>
      <source>Polygons extruded from the lowest ground point under them to a flat roof; holes (courtyards) and multipolygons are kept; invalid polygons are repaired (make_valid) and counted.</source>
      <translation>Polygones extrudés depuis le point le plus bas du sol sous eux jusqu'à un toit plat ; les trous (cours intérieures) et les multipolygones sont conservés ; les polygones invalides sont réparés (make_valid) et comptés.</translation>
    </message>
    <message>
      <source>Height of the roof above the ground, in metres.</source>
      <translation>Hauteur du toit au-dessus du sol, en mètres.</translation>
    </message>
    <message>
      <source>Used where the height field is empty: floors x FLOOR_HEIGHT.</source>
      <translation>Utilisé lorsque le champ de hauteur est vide : étages x FLOOR_HEIGHT.</translation>
    </message>
    <message>
      <source>Storey height for FLOORS_FIELD.</source>
      <translation>Hauteur d'un étage pour FLOORS_FIELD.</translation>
    </message>
    <message>
      <source>Used where neither field gives a height: the roof is the median of the DSM inside the footprint (absolute heights, as the DEM).</source>
      <translation>Utilisé lorsqu'aucun des deux champs ne donne de hauteur : le toit est la médiane du DSM à l'intérieur de l'emprise du bâtiment (altitudes absolues, comme le DEM).</translation>
    </message>
    <message>
      <source>Height of buildings no field or DSM gives a height for; 0 = skip them (they are counted and reported either way).</source>
      <translation>Hauteur des bâtiments pour lesquels ni champ ni DSM ne donne de hauteur ; 0 = les ignorer (ils sont comptés et signalés dans tous les cas).</translation>
    </message>
    <message>
      <source>Field naming the roof material: its value becomes the roof element (tile -&gt; roof_tile, roof_concrete stays); empty: element roof.</source>
      <translation>Champ nommant le matériau du toit : sa valeur devient l'élément du toit (tile -&gt; roof_tile, roof_concrete reste tel quel) ; vide : élément roof.</translation>
    </message>
    <message>
      <source>Tree positions: ellipsoidal crowns on closed octagonal trunks (element trunk).</source>
      <translation>Positions des arbres : houppiers ellipsoïdaux sur des troncs octogonaux fermés (élément trunk).</translation>
    </message>
    <message>
      <source>Field naming the tree's leaf element (e.g. linden); empty: vegetation. The summary gives the leaf area per class.</source>
      <translation>Champ nommant l'élément foliaire de l'arbre (p. ex. linden) ; vide : vegetation. Le résumé donne la surface foliaire par classe.</translation>
    </message>
    <message>
      <source>triangles: crowns filled with free leaf triangles (element type translucent); turbid: closed ellipsoid meshes holding a turbid medium (element type turbid, with leaf_area_density and lad in the element table; needs the tracer's turbid support).</source>
      <translation>triangles : houppiers remplis de triangles de feuilles libres (type d'élément translucent) ; turbid : maillages ellipsoïdaux fermés contenant un milieu turbide (type d'élément turbid, avec leaf_area_density et lad dans la table des éléments ; nécessite la prise en charge des milieux turbides par le traceur).</translation>
    </message>
    <message>
      <source>One-sided leaf area per crown volume.</source>
      <translation>Surface foliaire (une face) par volume de houppier.</translation>
    </message>
    <message>
      <source>One-sided area of each leaf triangle (triangles mode): larger leaves, fewer triangles, same leaf area.</source>
      <translation>Surface (une face) de chaque triangle de feuille (mode triangles) : feuilles plus grandes, moins de triangles, même surface foliaire.</translation>
    </message>
    <message>
      <source>Distribution of the leaves' inclinations (de Wit).</source>
      <translation>Distribution des inclinaisons des feuilles (de Wit).</translation>
    </message>
    <message>
      <source>Flat water surfaces (element water) at the highest ground point under each polygon plus WATER_OFFSET.</source>
      <translation>Surfaces d'eau planes (élément water) au point le plus haut du sol sous chaque polygone, plus WATER_OFFSET.</translation>
    </message>
    <message>
      <source>Lift of the water surface above the ground, against coplanar faces.</source>
      <translation>Élévation de la surface de l'eau au-dessus du sol, pour éviter les faces coplanaires.</translation>
    </message>
    <message>
      <source>object: one group per building surface, tree and water body (roof_12, wall_12, tree_3_leaves); element: one per element (roof_all ...); automatic: per object up to 2000 objects.</source>
      <translation>object : un groupe par surface de bâtiment, arbre et plan d'eau (roof_12, wall_12, tree_3_leaves) ; element : un par élément (roof_all ...) ; automatic : par objet jusqu'à 2000 objets.</translation>
    </message>
    <message>
      <source>The mock-up's triangle count is computed first; beyond this nothing is written.</source>
      <translation>Le nombre de triangles de la maquette est calculé d'abord ; au-delà de cette valeur, rien n'est écrit.</translation>
    </message>
    <message>
      <source>Comma-separated band names (e.g. B2,B3,B4,B8): the element table gets one column per band with a default spectrum (Sentinel-2 band names: typical material and leaf spectra; others: 0.2, leaves 0.5). Empty: no OP columns.</source>
      <translation>Noms de bandes séparés par des virgules (p. ex. B2,B3,B4,B8) : la table des éléments reçoit une colonne par bande avec un spectre par défaut (noms de bandes Sentinel-2 : spectres typiques de matériaux et de feuilles ; autres : 0.2, feuilles 0.5). Vide : pas de colonnes OP.</translation>
    </message>
    <message>
      <source>Seed of the leaf positions and angles.</source>
      <translation>Graine des positions et des angles des feuilles.</translation>
    </message>
    <message>
      <source>The mock-up, in the target CRS (metres, z up), absolute coordinates (mm).</source>
      <translation>La maquette, dans le SCR cible (mètres, z vers le haut), en coordonnées absolues (mm).</translation>
    </message>
    <message>
      <source>Element-table template: one row per element produced, with type and match globs filled in; fill in or check the OP columns before simulating.</source>
      <translation>Modèle de table des éléments : une ligne par élément produit, avec le type et les motifs de correspondance remplis ; complétez ou vérifiez les colonnes OP avant de simuler.</translation>
    </message>
    <message>
      <source>Triangle budget and count, area and triangles per element, leaf area per tree class, and what was repaired or skipped.</source>
      <translation>Budget et nombre de triangles, surface et triangles par élément, surface foliaire par classe d'arbres, et ce qui a été réparé ou ignoré.</translation>
    </message>
    <message>
      <source>Image (sets extent and CRS)</source>
      <translation>Image (définit l'emprise et le SCR)</translation>
    </message>
    <message>
      <source>Extent</source>
      <translation>Emprise</translation>
    </message>
    <message>
      <source>Margin (m)</source>
      <translation>Marge (m)</translation>
    </message>
    <message>
      <source>Target CRS</source>
      <translation>SCR cible</translation>
    </message>
    <message>
      <source>DEM (terrain heights)</source>
      <translation>DEM (altitudes du terrain)</translation>
    </message>
    <message>
      <source>Ground resolution (m)</source>
      <translation>Résolution du sol (m)</translation>
    </message>
    <message>
      <source>Flat ground height (m)</source>
      <translation>Hauteur du sol plat (m)</translation>
    </message>
    <message>
      <source>Ground element</source>
      <translation>Élément du sol</translation>
    </message>
    <message>
      <source>Land cover (raster or polygons)</source>
      <translation>Occupation du sol (raster ou polygones)</translation>
    </message>
    <message>
      <source>Land cover class field</source>
      <translation>Champ de classe d'occupation du sol</translation>
    </message>
    <message>
      <source>Land cover mapping</source>
      <translation>Correspondance des classes d'occupation du sol</translation>
    </message>
    <message>
      <source>Building footprints</source>
      <translation>Emprises des bâtiments</translation>
    </message>
    <message>
      <source>Building height field (m)</source>
      <translation>Champ de hauteur des bâtiments (m)</translation>
    </message>
    <message>
      <source>Number of floors field</source>
      <translation>Champ du nombre d'étages</translation>
    </message>
    <message>
      <source>Floor height (m)</source>
      <translation>Hauteur d'étage (m)</translation>
    </message>
    <message>
      <source>DSM (surface heights)</source>
      <translation>DSM (altitudes de surface)</translation>
    </message>
    <message>
      <source>Default building height (m)</source>
      <translation>Hauteur des bâtiments par défaut (m)</translation>
    </message>
    <message>
      <source>Roof class field</source>
      <translation>Champ de classe de toit</translation>
    </message>
    <message>
      <source>Trees (points)</source>
      <translation>Arbres (points)</translation>
    </message>
    <message>
      <source>Tree class field</source>
      <translation>Champ de classe d'arbre</translation>
    </message>
    <message>
      <source>Crowns as</source>
      <translation>Houppiers en tant que</translation>
    </message>
    <message>
      <source>Leaf area density (m²/m³)</source>
      <translation>Densité de surface foliaire (m²/m³)</translation>
    </message>
    <message>
      <source>Leaf triangle area (m²)</source>
      <translation>Surface d'un triangle de feuille (m²)</translation>
    </message>
    <message>
      <source>Leaf angle distribution</source>
      <translation>Distribution angulaire des feuilles</translation>
    </message>
    <message>
      <source>Water (polygons)</source>
      <translation>Eau (polygones)</translation>
    </message>
    <message>
      <source>Water above ground (m)</source>
      <translation>Eau au-dessus du sol (m)</translation>
    </message>
    <message>
      <source>OBJ groups</source>
      <translation>Groupes OBJ</translation>
    </message>
    <message>
      <source>Maximum triangles</source>
      <translation>Nombre maximal de triangles</translation>
    </message>
    <message>
      <source>Bands of the element table</source>
      <translation>Bandes de la table des éléments</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>Graine aléatoire</translation>
    </message>
    <message>
      <source>Mock-up</source>
      <translation>Maquette 3D</translation>
    </message>
    <message>
      <source>Element table</source>
      <translation>Table des éléments</translation>
    </message>
    <message>
      <source>Summary</source>
      <translation>Résumé</translation>
    </message>
    <message>
      <source>Triangles</source>
      <translation>Triangles</translation>
    </message>
    <message>
      <source>Give TARGET_CRS, or an IMAGE or EXTENT whose CRS the mock-up takes.</source>
      <translation>Indiquez TARGET_CRS, ou une IMAGE ou une EXTENT dont la maquette prend le SCR.</translation>
    </message>
    <message>
      <source>Give an IMAGE or an EXTENT: they set the mock-up's extent.</source>
      <translation>Indiquez une IMAGE ou une EXTENT : elles définissent l'emprise de la maquette.</translation>
    </message>
    <message>
      <source>{0} {1}: {2} features in the extent</source>
      <translation>{0} {1} : {2} entités dans l'emprise</translation>
    </message>
    <message>
      <source>Mock-up extent {0:.1f}, {1:.1f}, {2:.1f}, {3:.1f} in {4}</source>
      <translation>Emprise de la maquette {0:.1f}, {1:.1f}, {2:.1f}, {3:.1f} en {4}</translation>
    </message>
    <message>
      <source>Canceled: nothing was written.</source>
      <translation>Annulé : rien n'a été écrit.</translation>
    </message>
    <message>
      <source>Wrote {0:,} triangles in {1:,} groups ({2} grouping) in {3:.1f} s</source>
      <translation>{0:,} triangles écrits en {1:,} groupes (regroupement {2}) en {3:.1f} s</translation>
    </message>
    <message>
      <source>{0}: {1} values of {2} are not numbers (treated as missing)</source>
      <translation>{0} : {1} valeurs de {2} ne sont pas des nombres (traitées comme manquantes)</translation>
    </message>
    <message>
      <source>The target CRS {0} is geographic (degrees): the mock-up needs a projected CRS in metres (e.g. the image's UTM zone); set TARGET_CRS.</source>
      <translation>Le SCR cible {0} est géographique (degrés) : la maquette a besoin d'un SCR projeté en mètres (par exemple la zone UTM de l'image) ; renseignez TARGET_CRS.</translation>
    </message>
    <message>
      <source>{0} {1}: no feature lies within the target extent (the layer and the extent do not overlap)</source>
      <translation>{0} {1} : aucune entité ne se trouve dans l'emprise cible (la couche et l'emprise ne se recouvrent pas)</translation>
    </message>
    <message>
      <source>{0} {1}: only file rasters (GDAL) are supported</source>
      <translation>{0} {1} : seuls les rasters fichiers (GDAL) sont pris en charge</translation>
    </message>
    <message>
      <source>  leaf area of {0}: {1:,.1f} m²</source>
      <translation>  surface foliaire de {0} : {1:,.1f} m²</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: no polygon lies within the target extent (the layer and the extent do not overlap)</source>
      <translation>LANDCOVER {0} : aucun polygone ne se trouve dans l'emprise cible (la couche et l'emprise ne se recouvrent pas)</translation>
    </message>
    <message>
      <source>{0} field</source>
      <translation>Champ {0}</translation>
    </message>
    <message>
      <source>{0}, default</source>
      <translation>{0}, par défaut</translation>
    </message>
    <message>
      <source>{0} {1}: cannot transform features to {2} ({3})</source>
      <translation>{0} {1} : impossible de transformer les entités en {2} ({3})</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: cannot transform features ({1})</source>
      <translation>LANDCOVER {0} : impossible de transformer les entités ({1})</translation>
    </message>
    <message>
      <source>IMAGE {0}: cannot transform its extent to {1} ({2})</source>
      <translation>IMAGE {0} : impossible de transformer son emprise en {1} ({2})</translation>
    </message>
    <message>
      <source>{0} {1}: {2} '{3}' is not a field of the layer</source>
      <translation>{0} {1} : {2} « {3} » n'est pas un champ de la couche</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: LANDCOVER_FIELD must name the field holding the class (got '{1}')</source>
      <translation>LANDCOVER {0} : LANDCOVER_FIELD doit nommer le champ qui contient la classe (reçu « {1} »)</translation>
    </message>
    <message>
      <source>Reflectance = value x SCALE + OFFSET (Sentinel-2 L2A: 0.0001).</source>
      <translation>Réflectance = valeur x SCALE + OFFSET (Sentinel-2 L2A : 0.0001).</translation>
    </message>
    <message>
      <source>Added after scaling (Sentinel-2 L2A since processing baseline 04.00: -0.1).</source>
      <translation>Ajouté après la mise à l'échelle (Sentinel-2 L2A depuis la baseline de traitement 04.00 : -0.1).</translation>
    </message>
    <message>
      <source>Share of the downward irradiance that comes from the sky (isotropic): one value, or one per band separated by commas, or 6S to take it from the 6S atmosphere.</source>
      <translation>Part de l'éclairement descendant provenant du ciel (isotrope) : une valeur, ou une par bande séparées par des virgules, ou 6S pour la prendre de l'atmosphère 6S.</translation>
    </message>
    <message>
      <source>periodic: the mock-up tiles the plane (as DART's repetitive scenes); open: rays leaving the mock-up's box escape.</source>
      <translation>periodic : la maquette pave le plan (comme les scènes répétitives de DART) ; open : les rayons quittant la boîte de la maquette s'échappent.</translation>
    </message>
    <message>
      <source>Monte Carlo paths traced per pixel, on a jittered grid over the pixel; the standard error falls as 1/sqrt(SAMPLES). unmix defaults to 1,024: on independent renders of urban scenes, 256 left the leaves' median OP error at 5.4-6.0 % against 3.7-4.5 %, and 64 at 6.6-10 % (benchmarks/bench_independent.py); a 100 x 100 pixel, 12-band scene then unmixes in about 40 s on two cores.</source>
      <translation>Chemins Monte Carlo tracés par pixel, sur une grille perturbée couvrant le pixel ; l'erreur type décroît en 1/sqrt(SAMPLES). unmix utilise 1 024 par défaut : sur des rendus indépendants de scènes urbaines, 256 laissaient l'erreur médiane sur les PO des feuilles à 5,4-6,0 % contre 3,7-4,5 %, et 64 à 6,6-10 % (benchmarks/bench_independent.py) ; une scène de 100 x 100 pixels et 12 bandes se démélange alors en 40 s environ sur deux cœurs.</translation>
    </message>
    <message>
      <source>Results are reproducible from the seed, whatever the number of threads. The defaults differ on purpose (simulate 1, unmix 2, retrieve 1000 and up): unmixing an image simulated with the same seed would invert the very paths that made it, and its Monte Carlo noise would look like signal.</source>
      <translation>Les résultats sont reproductibles à partir de la graine, quel que soit le nombre de fils d'exécution. Les valeurs par défaut diffèrent à dessein (simulate 1, unmix 2, retrieve 1000 et plus) : démélanger une image simulée avec la même graine inverserait les chemins mêmes qui l'ont produite, et son bruit Monte Carlo passerait pour du signal.</translation>
    </message>
    <message>
      <source>Elements of the element table (comma-separated) whose surface is the terrain: every pixel lies on the terrain under its centre, as in orthorectified images (a plane would move the footprint by height x tan(view zenith) over relief). Empty, or the default 'ground' absent from the table: a horizontal plane at the mock-up's lowest point.</source>
      <translation>Éléments de la table des éléments (séparés par des virgules) dont la surface est le terrain : chaque pixel repose sur le terrain sous son centre, comme dans les images orthorectifiées (un plan déplacerait l'empreinte de hauteur x tan(zénith de visée) sur un relief). Vide, ou l'élément par défaut « ground » absent de la table : un plan horizontal au point le plus bas de la maquette.</translation>
    </message>
    <message>
      <source>The trace's polynomials are estimated from a few pixels before tracing; with TILE_SIZE 0 a run that would need more memory than this is traced in tiles that fit (see TILE_SIZE), and one that would not fit even so is refused with the estimate. 0: half of the machine's memory.</source>
      <translation>Les polynômes du tracé sont estimés sur quelques pixels avant le tracé ; avec TILE_SIZE 0, un calcul qui demanderait plus de mémoire que cette limite est tracé par tuiles qui y tiennent (voir TILE_SIZE), et un calcul qui n'y tiendrait même pas ainsi est refusé avec l'estimation. 0 : la moitié de la mémoire de la machine.</translation>
    </message>
    <message>
      <source>Where tiles run (TILE_SIZE &gt; 0, or tiles chosen by TILE_SIZE 0): empty for threads in this process, 'processes' for a local process pool, or a dask.distributed scheduler address such as tcp://host:8786 (its workers need this plugin importable as unmix3d).</source>
      <translation>Où les tuiles sont calculées (TILE_SIZE &gt; 0, ou tuiles choisies par TILE_SIZE 0) : vide pour des fils d'exécution dans ce processus, « processes » pour un groupe de processus locaux, ou l'adresse d'un ordonnanceur dask.distributed comme tcp://hote:8786 (ses workers doivent pouvoir importer cette extension sous le nom unmix3d).</translation>
    </message>
    <message>
      <source>Tile by tile, the pixel grid is registered on a plane at the mock-up's lowest point: TERRAIN is not applied.</source>
      <translation>Tuile par tuile, la grille de pixels est recalée sur un plan au point le plus bas de la maquette : TERRAIN n'est pas appliqué.</translation>
    </message>
    <message>
      <source>Whose spectral response functions 6S integrates (S2C: a flat response over the sensor table's band centre and width); METADATA, where given, names it.</source>
      <translation>Satellite dont 6S intègre les fonctions de réponse spectrale (S2C : réponse plate sur le centre et la largeur de bande de la table des capteurs) ; METADATA, si fourni, le désigne.</translation>
    </message>
    <message>
      <source>6S's predefined aerosol model.</source>
      <translation>Modèle d'aérosols prédéfini de 6S.</translation>
    </message>
    <message>
      <source>Aerosol optical thickness at 550 nm, 0 to 3 (the AOT layer of Sentinel-2 L2A holds it x 1000).</source>
      <translation>Épaisseur optique des aérosols à 550 nm, de 0 à 3 (la couche AOT de Sentinel-2 L2A la stocke x 1000).</translation>
    </message>
    <message>
      <source>Total column water vapour, 0 to 10 g/cm2 (the WVP layer of L2A / 1000).</source>
      <translation>Vapeur d'eau de la colonne totale, de 0 à 10 g/cm2 (la couche WVP de L2A / 1000).</translation>
    </message>
    <message>
      <source>Total column ozone, 0 to 1 cm-atm.</source>
      <translation>Ozone de la colonne totale, de 0 à 1 cm-atm.</translation>
    </message>
    <message>
      <source>Target altitude above sea level, 0 to 8 km.</source>
      <translation>Altitude de la cible au-dessus du niveau de la mer, de 0 à 8 km.</translation>
    </message>
    <message>
      <source>Sets the Earth-Sun distance; empty: from METADATA where given, else 14 July.</source>
      <translation>Fixe la distance Terre-Soleil ; vide : d'après METADATA si fourni, sinon le 14 juillet.</translation>
    </message>
    <message>
      <source>Add the light scattered into the view by the atmosphere from the surroundings (6S's environment function over the image, the part beyond it on the image mean).</source>
      <translation>Ajoute la lumière que l'atmosphère diffuse vers le capteur depuis les alentours (fonction d'environnement de 6S sur l'image, la part au-delà sur la moyenne de l'image).</translation>
    </message>
    <message>
      <source>Optional MTD_TL.xml of the Sentinel-2 tile: its mean sun and view angles replace the angle parameters.</source>
      <translation>MTD_TL.xml facultatif de la tuile Sentinel-2 : ses angles solaires et de visée moyens remplacent les paramètres d'angle.</translation>
    </message>
    <message>
      <source>The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's projected CRS, metres, z up. Tiled runs also take the path of a tiled mock-up folder (one OBJ per piece, as build_mockup writes a city), read per tile.</source>
      <translation>La maquette 3D classifiée (groupes OBJ, PLY, STL, glTF/GLB) dans le SCR projeté de l'image, en mètres, z vers le haut. Les exécutions tuilées acceptent aussi le chemin d'un dossier de maquette tuilée (un OBJ par morceau, comme build_mockup écrit une ville), lu tuile par tuile.</translation>
    </message>
    <message>
      <source>The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's projected CRS, metres, z up.</source>
      <translation>La maquette 3D classifiée (groupes OBJ, PLY, STL, glTF/GLB) dans le SCR projeté de l'image, en mètres, z vers le haut.</translation>
    </message>
    <message>
      <source>Sun zenith angle (degrees)</source>
      <translation>Angle zénithal solaire (degrés)</translation>
    </message>
    <message>
      <source>Sun azimuth angle (degrees)</source>
      <translation>Angle azimutal solaire (degrés)</translation>
    </message>
    <message>
      <source>View zenith angle (degrees)</source>
      <translation>Angle zénithal de visée (degrés)</translation>
    </message>
    <message>
      <source>View azimuth angle (degrees)</source>
      <translation>Angle azimutal de visée (degrés)</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sun.</source>
      <translation>Angle entre la verticale et la direction du soleil.</translation>
    </message>
    <message>
      <source>Direction of the sun, clockwise from north (as in Sentinel-2 metadata).</source>
      <translation>Direction du soleil, dans le sens horaire depuis le nord (comme dans les métadonnées Sentinel-2).</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sensor.</source>
      <translation>Angle entre la verticale et la direction du capteur.</translation>
    </message>
    <message>
      <source>Direction of the sensor, clockwise from north.</source>
      <translation>Direction du capteur, dans le sens horaire depuis le nord.</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sun. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>Angle entre la verticale et la direction du soleil. Obligatoire (unmix et retrieve : sauf si METADATA le donne).</translation>
    </message>
    <message>
      <source>Direction of the sun, clockwise from north (as in Sentinel-2 metadata). Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>Direction du soleil, dans le sens horaire depuis le nord (comme dans les métadonnées Sentinel-2). Obligatoire (unmix et retrieve : sauf si METADATA le donne).</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sensor. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>Angle entre la verticale et la direction du capteur. Obligatoire (unmix et retrieve : sauf si METADATA le donne).</translation>
    </message>
    <message>
      <source>Direction of the sensor, clockwise from north. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>Direction du capteur, dans le sens horaire depuis le nord. Obligatoire (unmix et retrieve : sauf si METADATA le donne).</translation>
    </message>
    <message>
      <source>Surface reflectance image</source>
      <translation>Image de réflectance de surface</translation>
    </message>
    <message>
      <source>Scale</source>
      <translation>Échelle</translation>
    </message>
    <message>
      <source>Offset</source>
      <translation>Décalage</translation>
    </message>
    <message>
      <source>Skylight ratio SKYL</source>
      <translation>Rapport de ciel diffus SKYL</translation>
    </message>
    <message>
      <source>Scene boundary</source>
      <translation>Limite de la scène</translation>
    </message>
    <message>
      <source>Samples per pixel</source>
      <translation>Échantillons par pixel</translation>
    </message>
    <message>
      <source>Terrain element(s)</source>
      <translation>Élément(s) du terrain</translation>
    </message>
    <message>
      <source>Pixel grid registered on a plane at the mock-up's lowest point (no TERRAIN element).</source>
      <translation>Grille de pixels calée sur un plan au point le plus bas de la maquette (aucun élément TERRAIN).</translation>
    </message>
    <message>
      <source>Memory limit (MB)</source>
      <translation>Limite de mémoire (Mo)</translation>
    </message>
    <message>
      <source>Dask scheduler</source>
      <translation>Ordonnanceur Dask</translation>
    </message>
    <message>
      <source>BANDS is empty: name the bands, e.g. B2,B3,B4,B8</source>
      <translation>BANDS est vide : nommez les bandes, p. ex. B2,B3,B4,B8</translation>
    </message>
    <message>
      <source>Reflectance level</source>
      <translation>Niveau de réflectance</translation>
    </message>
    <message>
      <source>Sentinel-2 unit (6S)</source>
      <translation>Satellite Sentinel-2 (6S)</translation>
    </message>
    <message>
      <source>Aerosol model (6S)</source>
      <translation>Modèle d'aérosols (6S)</translation>
    </message>
    <message>
      <source>Aerosol optical thickness at 550 nm</source>
      <translation>Épaisseur optique des aérosols à 550 nm</translation>
    </message>
    <message>
      <source>Water vapour (g/cm2)</source>
      <translation>Vapeur d'eau (g/cm2)</translation>
    </message>
    <message>
      <source>Ozone (cm-atm)</source>
      <translation>Ozone (cm-atm)</translation>
    </message>
    <message>
      <source>Ground altitude (km)</source>
      <translation>Altitude du sol (km)</translation>
    </message>
    <message>
      <source>Acquisition date (YYYY-MM-DD)</source>
      <translation>Date d'acquisition (AAAA-MM-JJ)</translation>
    </message>
    <message>
      <source>Adjacency effect</source>
      <translation>Effet d'environnement</translation>
    </message>
    <message>
      <source>No pixel keeps a surface reflectance in [0, 1] under this atmosphere: check AOT550 and AEROSOL_MODEL</source>
      <translation>Aucun pixel ne garde une réflectance de surface dans [0, 1] sous cette atmosphère : vérifiez AOT550 et AEROSOL_MODEL</translation>
    </message>
    <message>
      <source>Sentinel-2 tile metadata</source>
      <translation>Métadonnées de la tuile Sentinel-2</translation>
    </message>
    <message>
      <source>3D mock-up</source>
      <translation>Maquette 3D</translation>
    </message>
    <message>
      <source>Pixel grid registered on the terrain ({0}): {1:.1f} to {2:.1f} m</source>
      <translation>Grille de pixels calée sur le terrain ({0}) : de {1:.1f} à {2:.1f} m</translation>
    </message>
    <message>
      <source>Polynomials: {0:,.1f} MB ({1:,.1f} MB estimated before tracing, peak about {2:,.1f} MB while building)</source>
      <translation>Polynômes : {0:,.1f} Mo ({1:,.1f} Mo estimés avant le tracé, pic d'environ {2:,.1f} Mo pendant la construction)</translation>
    </message>
    <message>
      <source>{0:,} paths traced: {1:,} lost in turbid media, {2:,} dropped (too many stretches in media), {3:,} with a medium boundary crossing clamped</source>
      <translation>{0:,} chemins tracés : {1:,} perdus dans les milieux turbides, {2:,} abandonnés (trop de tronçons dans les milieux), {3:,} avec un franchissement de frontière de milieu corrigé</translation>
    </message>
    <message>
      <source>Mock-up folder {0}: {1} pieces ({2}), read per tile</source>
      <translation>Dossier de maquette {0} : {1} morceaux ({2}), lus tuile par tuile</translation>
    </message>
    <message>
      <source>6S atmosphere ({0}): {1}</source>
      <translation>Atmosphère 6S ({0}) : {1}</translation>
    </message>
    <message>
      <source>INPUT_LEVEL is TOA: SKYL is the 6S sky share {0}</source>
      <translation>INPUT_LEVEL vaut TOA : SKYL est la part du ciel de 6S {0}</translation>
    </message>
    <message>
      <source>Angles used: {0}</source>
      <translation>Angles utilisés : {0}</translation>
    </message>
    <message>
      <source>writing {0}</source>
      <translation>écriture de {0}</translation>
    </message>
    <message>
      <source>TILE_SIZE 0 (automatic): the trace would peak at about {0:,.0f} MB untiled, above the memory limit of {1:,.0f} MB: traced in tiles of {2} pixels (about {3:,.0f} MB each)</source>
      <translation>TILE_SIZE 0 (automatique) : sans tuiles, le tracé culminerait à environ {0:,.0f} Mo, au-delà de la limite de mémoire de {1:,.0f} Mo : tracé par tuiles de {2} pixels (environ {3:,.0f} Mo chacune)</translation>
    </message>
    <message>
      <source>TILE_SIZE 0 (automatic): the trace runs untiled, about {0:,.1f} MB of the memory limit of {1:,.0f} MB</source>
      <translation>TILE_SIZE 0 (automatique) : le tracé se fait sans tuiles, environ {0:,.1f} Mo sur la limite de mémoire de {1:,.0f} Mo</translation>
    </message>
    <message>
      <source>{0:.3g} % of the paths went wrong in turbid media: the image is biased there. Check that turbid volumes are closed and do not touch the sides of the mock-up's box.</source>
      <translation>{0:.3g} % des chemins ont échoué dans les milieux turbides : l'image y est biaisée. Vérifiez que les volumes turbides sont fermés et ne touchent pas les côtés de la boîte de la maquette.</translation>
    </message>
    <message>
      <source>{0} has {1} values but there are {2} bands</source>
      <translation>{0} a {1} valeurs mais il y a {2} bandes</translation>
    </message>
    <message>
      <source>{0} values must lie in [{1}, {2}]</source>
      <translation>Les valeurs de {0} doivent être comprises dans [{1}, {2}]</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a folder: a tiled mock-up folder (one OBJ per piece) is read per tile by unmix3d:simulate with TILE_SIZE &gt; 0 and unmix3d:unmix with TILE_SIZE &gt; 0 and UNMIX_BY_TILES; give an OBJ, PLY, STL or glTF file otherwise</source>
      <translation>MOCKUP {0} est un dossier : un dossier de maquette tuilée (un OBJ par morceau) est lu tuile par tuile par unmix3d:simulate avec TILE_SIZE &gt; 0 et par unmix3d:unmix avec TILE_SIZE &gt; 0 et UNMIX_BY_TILES ; sinon, donnez un fichier OBJ, PLY, STL ou glTF</translation>
    </message>
    <message>
      <source>Mock-up: {0} triangles in {1} parts</source>
      <translation>Maquette : {0} triangles en {1} parties</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a tiled mock-up folder, which is read where its pieces lie: {1} cannot shift it; move the pieces or the image instead</source>
      <translation>MOCKUP {0} est un dossier de maquette tuilée, lu là où se trouvent ses morceaux : {1} ne peut pas le décaler ; déplacez plutôt les morceaux ou l'image</translation>
    </message>
    <message>
      <source>{0} pixels have a surface-equivalent reflectance outside [0, 1] under this atmosphere (too much path reflectance?): set aside as NoData</source>
      <translation>{0} pixels ont une réflectance équivalente de surface hors de [0, 1] sous cette atmosphère (trop de réflectance atmosphérique ?) : mis de côté en NoData</translation>
    </message>
    <message>
      <source>{0} has no CRS; the mock-up and the image must share a projected CRS in metres (assign the image's CRS, e.g. with GDAL's Assign projection)</source>
      <translation>{0} n'a pas de SCR ; la maquette et l'image doivent partager un SCR projeté en mètres (attribuez son SCR à l'image, par ex. avec Assigner une projection de GDAL)</translation>
    </message>
    <message>
      <source>{0} is in a geographic CRS; the mock-up and the image must share a projected CRS in metres (reproject the image)</source>
      <translation>{0} est dans un SCR géographique ; la maquette et l'image doivent partager un SCR projeté en mètres (reprojetez l'image)</translation>
    </message>
    <message>
      <source>{0} has no pixel valid in every band</source>
      <translation>{0} n'a aucun pixel valide dans toutes les bandes</translation>
    </message>
    <message>
      <source>{0} has band(s) {1} but the element table {2} has no column for them (its band columns: {3}); add the column(s) or drop the band(s) from the image</source>
      <translation>{0} a la ou les bandes {1} mais la table des éléments {2} n'a pas de colonne pour elles (ses colonnes de bandes : {3}) ; ajoutez la ou les colonnes ou retirez la ou les bandes de l'image</translation>
    </message>
    <message>
      <source>Give {0} (degrees) or a Sentinel-2 tile METADATA file: the angles change the image, and no default fits every acquisition</source>
      <translation>Donnez {0} (degrés) ou un fichier METADATA de tuile Sentinel-2 : les angles changent l'image, et aucune valeur par défaut ne convient à toutes les acquisitions</translation>
    </message>
    <message>
      <source>Terminated (SIGTERM): nothing was written.</source>
      <translation>Interrompu (SIGTERM) : rien n'a été écrit.</translation>
    </message>
    <message>
      <source>{0} must be numbers separated by commas, got '{1}'</source>
      <translation>{0} doit être une liste de nombres séparés par des virgules, reçu « {1} »</translation>
    </message>
    <message>
      <source>DATE '{0}' must look like 2024-06-15</source>
      <translation>DATE '{0}' doit avoir la forme 2024-06-15</translation>
    </message>
    <message>
      <source>Compare two images band by band</source>
      <translation>Comparer deux images bande par bande</translation>
    </message>
    <message>
      <source>Image tools</source>
      <translation>Outils image</translation>
    </message>
    <message>
      <source>Compares two surface-reflectance images band pair by band pair, as in the Sentinel-2 / PlanetScope validation of US-DART: absolute mean difference (AMD), mean and median residual (B - A), both medians, five perceptual-hash similarities and their sum, residual maps and an HTML report. Image A is reprojected into image B's CRS with GDAL (nearest neighbour) and the coarser image is put onto the finer image's grid by pixel duplication (nearest neighbour), over the area both cover. Pixels that are NoData in any compared band of either image are left out of every statistic, map and plot. Bands are paired by overlapping spectral response, in order when a side has no sensor, or by hand. In 'simulated vs satellite' mode A is the satellite image and B the simulation, and the relative error |B - A| / A is summarised per element class from the simulation's fractions.</source>
      <translation>Compare deux images de réflectance de surface paire de bandes par paire de bandes, comme dans la validation Sentinel-2 / PlanetScope de US-DART : différence moyenne absolue (AMD), résidu moyen et médian (B - A), les deux médianes, cinq similarités par hachage perceptuel et leur somme, cartes des résidus et rapport HTML. L'image A est reprojetée dans le SCR de l'image B avec GDAL (plus proche voisin) et l'image la plus grossière est placée sur la grille de l'image la plus fine par duplication de pixels (plus proche voisin), sur la zone couverte par les deux. Les pixels NoData dans l'une des bandes comparées de l'une ou l'autre image sont exclus de toutes les statistiques, cartes et graphiques. Les bandes sont appariées par recouvrement des réponses spectrales, dans l'ordre lorsqu'un côté n'a pas de capteur, ou à la main. En mode « Simulé vs satellite », A est l'image satellite et B la simulation, et l'erreur relative |B - A| / A est résumée par classe d'éléments à partir des fractions de la simulation.</translation>
    </message>
    <message>
      <source>The reference image (in 'simulated vs satellite' mode: the satellite image). Any CRS and resolution; it is reprojected into image B's CRS.</source>
      <translation>L'image de référence (en mode « Simulé vs satellite » : l'image satellite). SCR et résolution quelconques ; elle est reprojetée dans le SCR de l'image B.</translation>
    </message>
    <message>
      <source>The image compared with A (in 'simulated vs satellite' mode: the simulated image). Its CRS is the CRS of every output.</source>
      <translation>L'image comparée à A (en mode « Simulé vs satellite » : l'image simulée). Son SCR est le SCR de toutes les sorties.</translation>
    </message>
    <message>
      <source>Pairs written as A:B separated by commas, e.g. 'B2:2,B3:4' (band names or numbers of each sensor, or positions without a sensor). Empty: bands whose spectral responses overlap are paired automatically (B8A, not B8, with NIR).</source>
      <translation>Paires écrites A:B séparées par des virgules, p. ex. 'B2:2,B3:4' (noms ou numéros de bandes de chaque capteur, ou positions sans capteur). Vide : les bandes dont les réponses spectrales se recouvrent sont appariées automatiquement (B8A, et non B8, avec NIR).</translation>
    </message>
    <message>
      <source>'Two images': metrics, residuals and report. 'Simulated vs satellite': also the relative error |B - A| / A per band (RELATIVE_ERRORS) and its mean, median and IQR over all pixels and per element class (FRACTIONS) in TABLE and the report.</source>
      <translation>« Deux images » : métriques, résidus et rapport. « Simulé vs satellite » : également l'erreur relative |B - A| / A par bande (RELATIVE_ERRORS) et sa moyenne, sa médiane et son écart interquartile (IQR) sur tous les pixels et par classe d'éléments (FRACTIONS) dans TABLE et le rapport.</translation>
    </message>
    <message>
      <source>Simulated vs satellite only: one band per element (band descriptions = element names), each pixel's fraction of that element, as written by unmix3d:simulate. Brought onto the comparison grid (nearest neighbour, or average when finer).</source>
      <translation>Uniquement en mode « Simulé vs satellite » : une bande par élément (descriptions de bandes = noms des éléments), la fraction de cet élément dans chaque pixel, telle qu'écrite par unmix3d:simulate. Ramenée sur la grille de comparaison (plus proche voisin, ou moyenne si plus fine).</translation>
    </message>
    <message>
      <source>A pixel belongs to an element class when that element's fraction is at least this (0.5: dominant element; 0.9: nearly pure pixels).</source>
      <translation>Un pixel appartient à une classe d'éléments lorsque la fraction de cet élément est au moins égale à cette valeur (0.5 : élément dominant ; 0.9 : pixels presque purs).</translation>
    </message>
    <message>
      <source>How the report draws each band's reflectance distributions (values above 1, specular reflection, are left out of the plots and counted).</source>
      <translation>Manière dont le rapport représente les distributions de réflectance de chaque bande (les valeurs supérieures à 1, réflexion spéculaire, sont exclues des graphiques et comptées).</translation>
    </message>
    <message>
      <source>CSV, one row per band pair: band_pair, band_a, band_b, n_valid, amd, mean_residual, median_residual (B - A), median_a, median_b, five hash_* similarities and hash_sum. In 'simulated vs satellite' mode also an element column (rows 'all' and one per element class) and rel_error_mean, rel_error_median, rel_error_iqr (fractions, not percent). Loaded as a table.</source>
      <translation>CSV, une ligne par paire de bandes : band_pair, band_a, band_b, n_valid, amd, mean_residual, median_residual (B - A), median_a, median_b, cinq similarités hash_* et hash_sum. En mode « Simulé vs satellite », également une colonne element (lignes 'all' et une par classe d'éléments) et rel_error_mean, rel_error_median, rel_error_iqr (fractions, pas pourcentages). Chargé comme table.</translation>
    </message>
    <message>
      <source>One band per band pair (band description = the pair's label, e.g. B8A-NIR) on the comparison grid in image B's CRS, NoData where left out.</source>
      <translation>Une bande par paire de bandes (description de bande = libellé de la paire, p. ex. B8A-NIR) sur la grille de comparaison dans le SCR de l'image B, NoData là où les pixels sont exclus.</translation>
    </message>
    <message>
      <source>Simulated vs satellite only: one band per band pair, relative error as a fraction, NoData where A &lt;= 0 or left out.</source>
      <translation>Uniquement en mode « Simulé vs satellite » : une bande par paire de bandes, erreur relative en fraction, NoData là où A &lt;= 0 ou là où les pixels sont exclus.</translation>
    </message>
    <message>
      <source>A single self-contained HTML file: metrics table, hash and AMD charts, distributions, residual maps, true-colour composites and, in 'simulated vs satellite' mode, the per-element relative errors.</source>
      <translation>Un fichier HTML unique et autonome : tableau des métriques, graphiques des hachages et de l'AMD, distributions, cartes des résidus, compositions en couleurs vraies et, en mode « Simulé vs satellite », les erreurs relatives par élément.</translation>
    </message>
    <message>
      <source>The sensor whose band definitions the image's bands follow. Bands are recognised by their names (B4, B04, red, ...) or, when unnamed, by the product's band order (12 bands = Sentinel-2 L2A without B10, 8 bands = SuperDove). 'Bands in order, no sensor' compares band 1 with band 1 and so on.</source>
      <translation>Le capteur dont les définitions de bandes sont suivies par les bandes de l'image. Les bandes sont reconnues par leur nom (B4, B04, red, ...) ou, lorsqu'elles ne sont pas nommées, par l'ordre des bandes du produit (12 bandes = Sentinel-2 L2A sans B10, 8 bandes = SuperDove). « Bandes dans l'ordre, sans capteur » compare la bande 1 avec la bande 1, et ainsi de suite.</translation>
    </message>
    <message>
      <source>Reflectance = value x scale + offset. Sentinel-2 L2A: 0.0001 (offset -0.1 since processing baseline 04.00); PlanetScope surface reflectance: 0.0001; 1 for images already in reflectance.</source>
      <translation>Réflectance = valeur x échelle + décalage. Sentinel-2 L2A : 0.0001 (décalage -0.1 depuis la baseline de traitement 04.00) ; réflectance de surface PlanetScope : 0.0001 ; 1 pour les images déjà en réflectance.</translation>
    </message>
    <message>
      <source>Added after scaling: reflectance = value x scale + offset (Sentinel-2 L2A since baseline 04.00: -0.1).</source>
      <translation>Ajouté après la mise à l'échelle : réflectance = valeur x échelle + décalage (Sentinel-2 L2A depuis la baseline 04.00 : -0.1).</translation>
    </message>
    <message>
      <source>Comparison metrics</source>
      <translation>Métriques de comparaison</translation>
    </message>
    <message>
      <source>Bands in order, no sensor</source>
      <translation>Bandes dans l'ordre, sans capteur</translation>
    </message>
    <message>
      <source>Image A (reference)</source>
      <translation>Image A (référence)</translation>
    </message>
    <message>
      <source>Image B</source>
      <translation>Image B</translation>
    </message>
    <message>
      <source>Sensor of image A</source>
      <translation>Capteur de l'image A</translation>
    </message>
    <message>
      <source>Sensor of image B</source>
      <translation>Capteur de l'image B</translation>
    </message>
    <message>
      <source>Band pairs (optional)</source>
      <translation>Paires de bandes (facultatif)</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>Mode</translation>
    </message>
    <message>
      <source>Element fractions (optional)</source>
      <translation>Fractions des éléments (facultatif)</translation>
    </message>
    <message>
      <source>Dominance threshold</source>
      <translation>Seuil de dominance</translation>
    </message>
    <message>
      <source>Distribution plots</source>
      <translation>Graphiques de distribution</translation>
    </message>
    <message>
      <source>Metrics table</source>
      <translation>Tableau des métriques</translation>
    </message>
    <message>
      <source>CSV files (*.csv)</source>
      <translation>Fichiers CSV (*.csv)</translation>
    </message>
    <message>
      <source>Residuals (B - A)</source>
      <translation>Résidus (B - A)</translation>
    </message>
    <message>
      <source>Relative errors |B - A| / A</source>
      <translation>Erreurs relatives |B - A| / A</translation>
    </message>
    <message>
      <source>HTML report</source>
      <translation>Rapport HTML</translation>
    </message>
    <message>
      <source>HTML files (*.html)</source>
      <translation>Fichiers HTML (*.html)</translation>
    </message>
    <message>
      <source>IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into IMAGE_B's CRS).</source>
      <translation>IMAGE_A et IMAGE_B ne se recouvrent pas (après reprojection de IMAGE_A dans le SCR de IMAGE_B).</translation>
    </message>
    <message>
      <source>Cancelled: no output was written.</source>
      <translation>Annulé : aucune sortie n'a été écrite.</translation>
    </message>
    <message>
      <source>No band pair to compare; give BAND_PAIRS, e.g. 'B2:2'.</source>
      <translation>Aucune paire de bandes à comparer ; indiquez BAND_PAIRS, p. ex. 'B2:2'.</translation>
    </message>
    <message>
      <source>IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into IMAGE_B's CRS): no pixel holds data in both images.</source>
      <translation>IMAGE_A et IMAGE_B ne se recouvrent pas (après reprojection de IMAGE_A dans le SCR de IMAGE_B) : aucun pixel ne contient de données dans les deux images.</translation>
    </message>
    <message>
      <source>No pixel is valid in every compared band of both images (their NoData areas cover the whole overlap).</source>
      <translation>Aucun pixel n'est valide dans toutes les bandes comparées des deux images (leurs zones NoData couvrent tout le recouvrement).</translation>
    </message>
    <message>
      <source>Two images</source>
      <translation>Deux images</translation>
    </message>
    <message>
      <source>Simulated vs satellite</source>
      <translation>Simulé vs satellite</translation>
    </message>
    <message>
      <source>Box plots</source>
      <translation>Boîtes à moustaches</translation>
    </message>
    <message>
      <source>Violin plots</source>
      <translation>Diagrammes en violon</translation>
    </message>
    <message>
      <source>Comparison grid: {0} x {1} pixels of {2:g} x {3:g} CRS units (the grid of image {4}), in image B's CRS; {5} band pair(s): {6}.</source>
      <translation>Grille de comparaison : {0} x {1} pixels de {2:g} x {3:g} unités du SCR (la grille de l'image {4}), dans le SCR de l'image B ; {5} paire(s) de bandes : {6}.</translation>
    </message>
    <message>
      <source>FRACTIONS is used only in 'simulated vs satellite' mode.</source>
      <translation>FRACTIONS n'est utilisé qu'en mode « Simulé vs satellite ».</translation>
    </message>
    <message>
      <source>{0} is not a raster layer QGIS can open.</source>
      <translation>{0} n'est pas une couche raster que QGIS peut ouvrir.</translation>
    </message>
    <message>
      <source>SCALE_{0} must not be 0.</source>
      <translation>SCALE_{0} ne doit pas valoir 0.</translation>
    </message>
    <message>
      <source>Scale of image {0}</source>
      <translation>Échelle de l'image {0}</translation>
    </message>
    <message>
      <source>Offset of image {0}</source>
      <translation>Décalage de l'image {0}</translation>
    </message>
    <message>
      <source>Band {0} of {1} is all NoData where the images overlap.</source>
      <translation>La bande {0} de {1} est entièrement NoData là où les images se recouvrent.</translation>
    </message>
    <message>
      <source>Co-register simulated and satellite images</source>
      <translation>Co-enregistrer les images simulée et satellite</translation>
    </message>
    <message>
      <source>Estimates the global sub-pixel shift between a simulated image (MOVING) and the satellite image it simulates (REFERENCE) by phase correlation, writes the simulated image shifted onto the satellite image, and gives the offset to apply to the 3D mock-up. As in US-DART the satellite image is never resampled: the mock-up is moved by MOCKUP_OFFSET_X/Y (map units, east and north) and simulated again; unmix3d:unmix takes these two numbers. Shift convention: SHIFT_* is the shift to apply to MOVING so that it matches REFERENCE (positive X = right/east; positive Y in pixels = down, in map units = north). A pixel shift and its map offset are the same displacement, so MOCKUP_OFFSET_X/Y equal SHIFT_X_M/SHIFT_Y_M. When either band is too uniform to register (no texture), the algorithm stops with an error and writes nothing. When a shift is measured but the correlation peak is weak or few pixels are valid, every output is written, RELIABLE is false and REASON says why: check RELIABLE before using the offset in a model.</source>
      <translation>Estime le décalage global sous-pixel entre une image simulée (MOVING) et l'image satellite qu'elle simule (REFERENCE) par corrélation de phase, écrit l'image simulée décalée sur l'image satellite et donne le décalage à appliquer à la maquette 3D. Comme dans US-DART, l'image satellite n'est jamais rééchantillonnée : la maquette est déplacée de MOCKUP_OFFSET_X/Y (unités de la carte, est et nord) puis simulée à nouveau ; unmix3d:unmix prend ces deux nombres. Convention de décalage : SHIFT_* est le décalage à appliquer à MOVING pour qu'elle corresponde à REFERENCE (X positif = droite/est ; Y positif en pixels = bas, en unités de la carte = nord). Un décalage en pixels et son décalage cartographique sont le même déplacement, donc MOCKUP_OFFSET_X/Y sont égaux à SHIFT_X_M/SHIFT_Y_M. Lorsque l'une des bandes est trop uniforme pour être recalée (pas de texture), l'algorithme s'arrête avec une erreur et n'écrit rien. Lorsqu'un décalage est mesuré mais que le pic de corrélation est faible ou que peu de pixels sont valides, toutes les sorties sont écrites, RELIABLE vaut false et REASON en donne la raison : vérifiez RELIABLE avant d'utiliser le décalage dans un modèle.</translation>
    </message>
    <message>
      <source>The satellite image; never modified or resampled. Its grid is the grid of every output.</source>
      <translation>L'image satellite ; jamais modifiée ni rééchantillonnée. Sa grille est la grille de toutes les sorties.</translation>
    </message>
    <message>
      <source>Band of REFERENCE to register (the one with most texture, often NIR or red); band 1 when not set.</source>
      <translation>Bande de REFERENCE à recaler (celle qui a le plus de texture, souvent le proche infrarouge ou le rouge) ; bande 1 si non définie.</translation>
    </message>
    <message>
      <source>The simulated image, on the reference grid or resampled onto it here (average when finer, bilinear otherwise).</source>
      <translation>L'image simulée, sur la grille de référence ou rééchantillonnée ici sur celle-ci (moyenne si plus fine, bilinéaire sinon).</translation>
    </message>
    <message>
      <source>Band of MOVING that simulates the reference band; band 1 when not set.</source>
      <translation>Bande de MOVING qui simule la bande de référence ; bande 1 si non définie.</translation>
    </message>
    <message>
      <source>Also measure local misregistration (relief displacement, mock-up errors) with TV-L1 optical flow after the global shift and write it to FLOW.</source>
      <translation>Mesure également le mauvais recalage local (déplacement dû au relief, erreurs de la maquette) par flot optique TV-L1 après le décalage global, et l'écrit dans FLOW.</translation>
    </message>
    <message>
      <source>Every band of MOVING shifted by the global shift (cubic spline), on the reference grid; NoData where the shift brings in pixels from outside or from NoData.</source>
      <translation>Toutes les bandes de MOVING décalées du décalage global (spline cubique), sur la grille de référence ; NoData là où le décalage fait entrer des pixels de l'extérieur ou de zones NoData.</translation>
    </message>
    <message>
      <source>With DENSE: two bands, dy (pixels, down) and dx (pixels, right), the per-pixel shift to apply to MOVING (global shift plus local residual); a temporary file when not set.</source>
      <translation>Avec DENSE : deux bandes, dy (pixels, vers le bas) et dx (pixels, vers la droite), le décalage par pixel à appliquer à MOVING (décalage global plus résidu local) ; un fichier temporaire si non défini.</translation>
    </message>
    <message>
      <source>True when the correlation peak is clear (peak-to-sidelobe ratio &gt;= 10) and at least 25 % of the pixels are valid in both images.</source>
      <translation>Vrai lorsque le pic de corrélation est net (rapport pic/lobes secondaires &gt;= 10) et qu'au moins 25 % des pixels sont valides dans les deux images.</translation>
    </message>
    <message>
      <source>Empty when RELIABLE is true; otherwise the reason in words.</source>
      <translation>Vide lorsque RELIABLE est vrai ; sinon, la raison en toutes lettres.</translation>
    </message>
    <message>
      <source>Reference (satellite image)</source>
      <translation>Référence (image satellite)</translation>
    </message>
    <message>
      <source>Reference band</source>
      <translation>Bande de référence</translation>
    </message>
    <message>
      <source>Moving (simulated image)</source>
      <translation>Image à déplacer (image simulée)</translation>
    </message>
    <message>
      <source>Moving band</source>
      <translation>Bande à déplacer</translation>
    </message>
    <message>
      <source>Also compute a dense flow field</source>
      <translation>Calculer aussi un champ de flot dense</translation>
    </message>
    <message>
      <source>Shifted moving image</source>
      <translation>Image à déplacer décalée</translation>
    </message>
    <message>
      <source>Dense flow field</source>
      <translation>Champ de flot dense</translation>
    </message>
    <message>
      <source>Shift X (pixels, right)</source>
      <translation>Décalage X (pixels, vers la droite)</translation>
    </message>
    <message>
      <source>Columns to move MOVING to the right to match REFERENCE.</source>
      <translation>Colonnes dont déplacer MOVING vers la droite pour correspondre à REFERENCE.</translation>
    </message>
    <message>
      <source>Shift Y (pixels, down)</source>
      <translation>Décalage Y (pixels, vers le bas)</translation>
    </message>
    <message>
      <source>Rows to move MOVING down to match REFERENCE.</source>
      <translation>Lignes dont déplacer MOVING vers le bas pour correspondre à REFERENCE.</translation>
    </message>
    <message>
      <source>Shift X (map units, east)</source>
      <translation>Décalage X (unités de la carte, est)</translation>
    </message>
    <message>
      <source>The same shift towards the east, in the reference's map units.</source>
      <translation>Le même décalage vers l'est, dans les unités de la carte de la référence.</translation>
    </message>
    <message>
      <source>Shift Y (map units, north)</source>
      <translation>Décalage Y (unités de la carte, nord)</translation>
    </message>
    <message>
      <source>The same shift towards the north, in the reference's map units.</source>
      <translation>Le même décalage vers le nord, dans les unités de la carte de la référence.</translation>
    </message>
    <message>
      <source>Mock-up offset X (map units, east)</source>
      <translation>Décalage X de la maquette (unités de la carte, est)</translation>
    </message>
    <message>
      <source>Add to the mock-up's X (east) coordinates, then simulate again; unmix3d:unmix takes it.</source>
      <translation>À ajouter aux coordonnées X (est) de la maquette, puis simuler à nouveau ; unmix3d:unmix le prend en compte.</translation>
    </message>
    <message>
      <source>Mock-up offset Y (map units, north)</source>
      <translation>Décalage Y de la maquette (unités de la carte, nord)</translation>
    </message>
    <message>
      <source>Add to the mock-up's Y (north) coordinates, then simulate again; unmix3d:unmix takes it.</source>
      <translation>À ajouter aux coordonnées Y (nord) de la maquette, puis simuler à nouveau ; unmix3d:unmix le prend en compte.</translation>
    </message>
    <message>
      <source>Shift is reliable</source>
      <translation>Le décalage est fiable</translation>
    </message>
    <message>
      <source>Why the shift is not reliable</source>
      <translation>Pourquoi le décalage n'est pas fiable</translation>
    </message>
    <message>
      <source>reliable (peak-to-sidelobe ratio {0:.1f})</source>
      <translation>fiable (rapport pic/lobes secondaires {0:.1f})</translation>
    </message>
    <message>
      <source>NOT reliable: {0}</source>
      <translation>NON fiable : {0}</translation>
    </message>
    <message>
      <source>Shift to apply to the simulated image: {0:+.2f} px right, {1:+.2f} px down ({2:+.2f} east, {3:+.2f} north in map units); {4}. The satellite image stays untouched: move the mock-up by MOCKUP_OFFSET_X = {2:+.3f} and MOCKUP_OFFSET_Y = {3:+.3f} map units and simulate again.</source>
      <translation>Décalage à appliquer à l'image simulée : {0:+.2f} px vers la droite, {1:+.2f} px vers le bas ({2:+.2f} est, {3:+.2f} nord en unités de la carte) ; {4}. L'image satellite reste intacte : déplacez la maquette de MOCKUP_OFFSET_X = {2:+.3f} et MOCKUP_OFFSET_Y = {3:+.3f} unités de la carte et simulez à nouveau.</translation>
    </message>
    <message>
      <source>The shift is not reliable: {0}</source>
      <translation>Le décalage n'est pas fiable : {0}</translation>
    </message>
    <message>
      <source>{0} is band {1}, but the image has {2} band(s).</source>
      <translation>{0} est la bande {1}, mais l'image a {2} bande(s).</translation>
    </message>
    <message>
      <source>MOVING is not on the reference grid: resampled onto it ({0}).</source>
      <translation>MOVING n'est pas sur la grille de référence : rééchantillonnée sur celle-ci ({0}).</translation>
    </message>
    <message>
      <source>Degrade resolution (block mean)</source>
      <translation>Dégrader la résolution (moyenne par bloc)</translation>
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
    <message>
      <source>Build a demo scene</source>
      <translation>Construire une scène de démonstration</translation>
    </message>
    <message>
      <source>Writes a built-in demo scene into a folder: the classified mock-up (OBJ), its element table with realistic Sentinel-2 spectra, the true OP map of every element, and an empty 12-band grid raster (10 m, UTM 31N) to simulate on. vegetation: maize plots at three growth stages beside bare soil, after the US-DART paper; urban: buildings with three roof materials, streets, trees and a river.</source>
      <translation>Écrit une scène de démonstration intégrée dans un dossier : la maquette classifiée (OBJ), sa table des éléments avec des spectres Sentinel-2 réalistes, la vraie carte OP de chaque élément, et un raster grille vide de 12 bandes (10 m, UTM 31N) sur lequel simuler. vegetation : parcelles de maïs à trois stades de croissance à côté de sol nu, d'après l'article US-DART ; urban : bâtiments avec trois matériaux de toiture, rues, arbres et une rivière.</translation>
    </message>
    <message>
      <source>Which demo scene to build.</source>
      <translation>Scène de démonstration à construire.</translation>
    </message>
    <message>
      <source>Seed of the scene's random layout (leaf positions, buildings, trees).</source>
      <translation>Graine de la disposition aléatoire de la scène (positions des feuilles, bâtiments, arbres).</translation>
    </message>
    <message>
      <source>Folder receiving the mock-up, the element table, truth/&lt;element&gt;.tif and grid.tif.</source>
      <translation>Dossier recevant la maquette, la table des éléments, truth/&lt;element&gt;.tif et grid.tif.</translation>
    </message>
    <message>
      <source>Scene</source>
      <translation>Scène</translation>
    </message>
    <message>
      <source>Scene folder</source>
      <translation>Dossier de la scène</translation>
    </message>
    <message>
      <source>True OP maps</source>
      <translation>Vraies cartes OP</translation>
    </message>
    <message>
      <source>Skylight ratio per band</source>
      <translation>Rapport de ciel diffus par bande</translation>
    </message>
    <message>
      <source>{0} scene: {1} triangles, {2} x {3} pixels of {4} m</source>
      <translation>Scène {0} : {1} triangles, {2} x {3} pixels de {4} m</translation>
    </message>
    <message>
      <source>Retrieve element spectra or leaf biochemistry (3D-Diff)</source>
      <translation>Restituer les spectres des éléments ou la biochimie foliaire (3D-Diff)</translation>
    </message>
    <message>
      <source>Optical properties</source>
      <translation>Propriétés optiques</translation>
    </message>
    <message>
      <source>3D-Diff-style retrieval: with the scene's 3D structure known, finds the spectra shared by the whole image (or by zones) of every free element — reflectance of opaque elements, reflectance AND transmittance of translucent ones (leaves), including elements the sensor never sees directly — or the PROSPECT-D parameters of leaf elements, by bounded quasi-Newton (L-BFGS-B) minimisation of the squared image error with exact gradients. Each image geometry is traced once; every optimisation step is an algebraic evaluation of that trace. Extra images of the same scene from other angles or dates separate r from t where one view cannot. Reports retrieved values with standard errors, 95 % intervals and a status per quantity (ok, weakly identified with what it trades off with, at bound, unidentifiable), the correlation between parameters (what the images cannot separate) and the loss history; leaf r/t can be constrained where the images cannot split it.</source>
      <translation>Inversion à la 3D-Diff : la structure 3D de la scène étant connue, trouve les spectres partagés par toute l'image (ou par zones) de chaque élément libre — réflectance des éléments opaques, réflectance ET transmittance des éléments translucides (feuilles), y compris des éléments que le capteur ne voit jamais directement — ou les paramètres PROSPECT-D des éléments foliaires, par minimisation quasi-Newton bornée (L-BFGS-B) de l'erreur quadratique de l'image avec des gradients exacts. Chaque géométrie d'image est tracée une fois ; chaque pas d'optimisation est une évaluation algébrique de cette trace. D'autres images de la même scène sous d'autres angles ou à d'autres dates séparent r de t là où une seule vue ne le peut pas. Donne les valeurs inversées avec leurs erreurs types, des intervalles à 95 % et un statut par grandeur (ok, faiblement identifiée avec ce avec quoi elle s'échange, en borne, non identifiable), la corrélation entre paramètres (ce que les images ne peuvent séparer) et l'historique de la perte ; le rapport r/t des feuilles peut être contraint là où les images ne peuvent le séparer.</translation>
    </message>
    <message>
      <source>Comma-separated elements whose spectra are known (taken from the element table, which must give every band); every element not named here or in PROSPECT_ELEMENTS is free.</source>
      <translation>Éléments séparés par des virgules dont les spectres sont connus (pris dans la table des éléments, qui doit donner toutes les bandes) ; tout élément non nommé ici ni dans PROSPECT_ELEMENTS est libre.</translation>
    </message>
    <message>
      <source>Comma-separated translucent elements retrieved as PROSPECT-D leaves (biochemical parameters instead of free r and t spectra); needs Sentinel-2 band names.</source>
      <translation>Éléments translucides séparés par des virgules, restitués comme feuilles PROSPECT-D (paramètres biochimiques au lieu de spectres r et t libres) ; nécessite des noms de bandes Sentinel-2.</translation>
    </message>
    <message>
      <source>Which of N, Cab, Car, Ant, Cbrown, Cw, Cm are retrieved; the others keep their PROSPECT_START value.</source>
      <translation>Lesquels de N, Cab, Car, Ant, Cbrown, Cw, Cm sont restitués ; les autres gardent leur valeur PROSPECT_START.</translation>
    </message>
    <message>
      <source>Start (and fixed) values, e.g. 'N=1.5,Cab=40,Car=8,Ant=1,Cbrown=0,Cw=0.01,Cm=0.005' (these are the defaults); values outside PROSPECT's ranges are refused.</source>
      <translation>Valeurs initiales (et fixes), p. ex. 'N=1.5,Cab=40,Car=8,Ant=1,Cbrown=0,Cw=0.01,Cm=0.005' (ce sont les valeurs par défaut) ; les valeurs hors des plages de PROSPECT sont refusées.</translation>
    </message>
    <message>
      <source>Other images of the same scene (other view angles or dates), same bands as IMAGE, any grid; each is traced with its own geometry from GEOMETRIES_EXTRA.</source>
      <translation>Autres images de la même scène (autres angles de visée ou dates), mêmes bandes que IMAGE, grille quelconque ; chacune est tracée avec sa propre géométrie issue de GEOMETRIES_EXTRA.</translation>
    </message>
    <message>
      <source>One 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra image, in their order, separated by ';' (degrees).</source>
      <translation>Un 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' par image supplémentaire, dans leur ordre, séparés par ';' (degrés).</translation>
    </message>
    <message>
      <source>Optional: the skylight ratio of each extra image, in their order, separated by ';' (one value or one per band, comma-separated). Empty: every image uses SKYL, which is right for views of one date; another date has another sun and another sky.</source>
      <translation>Facultatif : le rapport de lumière diffuse du ciel de chaque image supplémentaire, dans leur ordre, séparés par ';' (une valeur ou une par bande, séparées par des virgules). Vide : toutes les images utilisent SKYL, ce qui convient aux visées d'une même date ; une autre date a un autre soleil et un autre ciel.</translation>
    </message>
    <message>
      <source>Optional: each zone gets its own spectra. A raster of zone values (NoData: pixel not used) or polygons with a zone field (ZONE_FIELD). A pixel uses its zone's values for every element its light met. A zone without pixels is an error.</source>
      <translation>Facultatif : chaque zone reçoit ses propres spectres. Un raster de valeurs de zone (NoData : pixel non utilisé) ou des polygones avec un champ de zone (ZONE_FIELD). Un pixel utilise les valeurs de sa zone pour chaque élément rencontré par sa lumière. Une zone sans pixels est une erreur.</translation>
    </message>
    <message>
      <source>Field of the zone polygons holding the zone label.</source>
      <translation>Champ des polygones de zone contenant l'étiquette de la zone.</translation>
    </message>
    <message>
      <source>How to split leaf albedo into r and t where the images cannot (one view sees mostly reflected light): none (the images alone); table (r/t fixed per band at the element table's rt_ratio, only the albedo is retrieved); range (r/t bounded to RT_RANGE in every band); prospect (r/t bounded per band to the range PROSPECT-D leaves of plausible biochemistry span). Extra images from other angles or dates constrain it through the data. The report says which was used.</source>
      <translation>Comment séparer l'albédo foliaire en r et t là où les images ne le peuvent pas (une vue voit surtout la lumière réfléchie) : none (les images seules) ; table (r/t fixé par bande au rt_ratio de la table des éléments, seul l'albédo est inversé) ; range (r/t borné à RT_RANGE dans chaque bande) ; prospect (r/t borné par bande à l'étendue couverte par des feuilles PROSPECT-D de biochimie plausible). D'autres images sous d'autres angles ou à d'autres dates le contraignent par les données. Le rapport indique la contrainte utilisée.</translation>
    </message>
    <message>
      <source>Comma-separated free translucent elements RT_CONSTRAINT applies to; empty: every free translucent element.</source>
      <translation>Éléments translucides libres, séparés par des virgules, auxquels RT_CONSTRAINT s'applique ; vide : tous les éléments translucides libres.</translation>
    </message>
    <message>
      <source>For RT_CONSTRAINT = range: 'low,high' bounds of r/t (reflectance over transmittance) in every band, e.g. 0.5,2.</source>
      <translation>Pour RT_CONSTRAINT = range : bornes 'bas,haut' de r/t (réflectance sur transmittance) dans chaque bande, par ex. 0.5,2.</translation>
    </message>
    <message>
      <source>Optimisations run: from the start values, then from random points of the bounds (seeded). When they end in different optima the loss has several basins: the lowest is kept and the report lists them.</source>
      <translation>Optimisations lancées : depuis les valeurs initiales, puis depuis des points aléatoires des bornes (avec graine). Quand elles aboutissent à des optimums différents, la perte a plusieurs bassins : le plus bas est retenu et le rapport les liste.</translation>
    </message>
    <message>
      <source>profile: profile likelihood (every other unknown re-optimised along each quantity; follows a loss that bends and stops at bounds); sandwich: estimate +- 1.96 standard errors (faster, for many unknowns).</source>
      <translation>profile : vraisemblance profilée (toutes les autres inconnues réoptimisées le long de chaque grandeur ; suit une perte courbe et s'arrête aux bornes) ; sandwich : estimation +- 1,96 erreur type (plus rapide, pour de nombreuses inconnues).</translation>
    </message>
    <message>
      <source>none: every pixel and band counts alike; stderr: weights 1 / (s.e.^2 + 0.001^2), with s.e. the trace's Monte Carlo standard error at the start values (noisy pixels count less).</source>
      <translation>none : chaque pixel et chaque bande comptent de la même façon ; stderr : poids 1 / (s.e.^2 + 0.001^2), où s.e. est l'erreur standard Monte-Carlo du tracé aux valeurs initiales (les pixels bruités comptent moins).</translation>
    </message>
    <message>
      <source>Weight of the penalty on differences between neighbouring bands of free spectra (0: none), in the loss's units (mean squared reflectance).</source>
      <translation>Poids de la pénalité sur les différences entre bandes voisines des spectres libres (0 : aucune), dans les unités de la fonction de coût (réflectance quadratique moyenne).</translation>
    </message>
    <message>
      <source>Largest number of L-BFGS-B iterations.</source>
      <translation>Nombre maximal d'itérations L-BFGS-B.</translation>
    </message>
    <message>
      <source>Adaptive sampling: the 95 % half-width (reflectance units) aimed at for the reflectance of every free opaque element and the albedo r + t of every free leaf. SAMPLES are traced first; while a standard error is above PRECISION / 1.96, more samples are traced (new seeds, pooled with the first) and the retrieval repeated, as many as the fall of the standard error says are needed, within TIME_BUDGET. It stops early where the image's own noise, not the trace, limits the precision. 0: trace SAMPLES once. The log and report say which standard error was reached.</source>
      <translation>Échantillonnage adaptatif : la demi-largeur à 95 % (en unités de réflectance) visée pour la réflectance de chaque élément opaque libre et l'albédo r + t de chaque feuille libre. SAMPLES échantillons sont tracés d'abord ; tant qu'une erreur type dépasse PRECISION / 1,96, d'autres échantillons sont tracés (nouvelles graines, mis en commun avec les premiers) et l'inversion est refaite, autant que la baisse de l'erreur type l'indique, dans la limite de TIME_BUDGET. Il s'arrête plus tôt là où le bruit propre de l'image, et non le tracé, limite la précision. 0 : tracer SAMPLES une seule fois. Le journal et le rapport indiquent l'erreur type atteinte.</translation>
    </message>
    <message>
      <source>Seconds of tracing and retrieval adaptive sampling may spend in all: no round of more samples is started that would end after it.</source>
      <translation>Secondes de tracé et d'inversion que l'échantillonnage adaptatif peut dépenser en tout : aucune série d'échantillons supplémentaires n'est lancée si elle devait finir après.</translation>
    </message>
    <message>
      <source>0 (default): automatic, trace by trace. Each image and each round of adaptive sampling is traced whole unless its memory estimate (a few pilot pixels, before tracing), with the traces already held, is above MAX_MEMORY; then in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise every trace runs in tiles of this many pixels square, each with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks; the tiles' traces are joined into one per image and pooled round by round as untiled ones, so the retrieval sees every image whole.</source>
      <translation>0 (défaut) : automatique, tracé par tracé. Chaque image et chaque tour d'échantillonnage adaptatif est tracé d'un coup, sauf si son estimation de mémoire (quelques pixels pilotes, avant le tracé), ajoutée aux tracés déjà gardés, dépasse MAX_MEMORY ; il l'est alors par tuiles de taille ajustée pour tenir (un multiple de 16 pixels, au moins 32), indiquée dans le journal. Sinon chaque tracé se fait par tuiles carrées de ce nombre de pixels, chacune avec les seuls triangles de la maquette situés dans un halo de hauteur maximale x (tan(max(zénith solaire, zénith de visée)) + 1) autour d'elle, comme tâches Dask ; les tracés des tuiles sont réunis en un seul par image et cumulés tour par tour comme sans tuiles, si bien que l'inversion voit chaque image entière.</translation>
    </message>
    <message>
      <source>CSV, one row per value: element, zone, mode (free, fixed, prospect), quantity (r, t, albedo r + t or a PROSPECT parameter), band, value, std (standard error; empty where not estimable), low95 and high95 (95 % interval; one-sided at a bound), prior, status (ok, at bound, weakly identified, constrained, unidentifiable, derived, fixed), trades_with (the quantities a weak one is correlated with).</source>
      <translation>CSV, une ligne par valeur : element, zone, mode (free, fixed, prospect), quantity (r, t, albédo r + t ou un paramètre PROSPECT), band, value, std (erreur type ; vide si non estimable), low95 et high95 (intervalle à 95 % ; unilatéral en borne), prior, status (ok, en borne, faiblement identifiée, contrainte, non identifiable, dérivée, fixée), trades_with (les grandeurs avec lesquelles une grandeur faible est corrélée).</translation>
    </message>
    <message>
      <source>IMAGE simulated with the retrieved values (NoData where unused).</source>
      <translation>IMAGE simulée avec les valeurs restituées (NoData là où elle n'est pas utilisée).</translation>
    </message>
    <message>
      <source>HTML report: loss history, retrieved versus prior spectra with uncertainty, 95 % intervals and status per quantity, the r/t constraint used, the starts, the loss over the worst-identified pair, correlation matrix, residual maps.</source>
      <translation>Rapport HTML : historique de la perte, spectres inversés et a priori avec incertitude, intervalles à 95 % et statut par grandeur, contrainte r/t utilisée, départs, perte sur la paire la moins bien identifiée, matrice de corrélation, cartes des résidus.</translation>
    </message>
    <message>
      <source>CSV of the correlation between every pair of retrieved parameters.</source>
      <translation>CSV de la corrélation entre chaque paire de paramètres restitués.</translation>
    </message>
    <message>
      <source>Fixed elements</source>
      <translation>Éléments fixes</translation>
    </message>
    <message>
      <source>PROSPECT leaf elements</source>
      <translation>Éléments foliaires PROSPECT</translation>
    </message>
    <message>
      <source>PROSPECT parameters retrieved</source>
      <translation>Paramètres PROSPECT restitués</translation>
    </message>
    <message>
      <source>PROSPECT start values</source>
      <translation>Valeurs initiales PROSPECT</translation>
    </message>
    <message>
      <source>Extra images</source>
      <translation>Images supplémentaires</translation>
    </message>
    <message>
      <source>Geometries of extra images</source>
      <translation>Géométries des images supplémentaires</translation>
    </message>
    <message>
      <source>Skylight ratios of extra images</source>
      <translation>Rapports de lumière du ciel des images supplémentaires</translation>
    </message>
    <message>
      <source>Zones (raster or polygons)</source>
      <translation>Zones (raster ou polygones)</translation>
    </message>
    <message>
      <source>Zone field</source>
      <translation>Champ de zone</translation>
    </message>
    <message>
      <source>Leaf r/t constraint</source>
      <translation>Contrainte r/t des feuilles</translation>
    </message>
    <message>
      <source>Leaves the r/t constraint applies to</source>
      <translation>Feuilles auxquelles la contrainte r/t s'applique</translation>
    </message>
    <message>
      <source>r/t range</source>
      <translation>Plage de r/t</translation>
    </message>
    <message>
      <source>Starts</source>
      <translation>Départs</translation>
    </message>
    <message>
      <source>95 % intervals</source>
      <translation>Intervalles à 95 %</translation>
    </message>
    <message>
      <source>Pixel weighting</source>
      <translation>Pondération des pixels</translation>
    </message>
    <message>
      <source>Spectral smoothness</source>
      <translation>Lissage spectral</translation>
    </message>
    <message>
      <source>Maximum iterations</source>
      <translation>Nombre maximal d'itérations</translation>
    </message>
    <message>
      <source>Precision aimed at</source>
      <translation>Précision visée</translation>
    </message>
    <message>
      <source>Time budget (s)</source>
      <translation>Budget de temps (s)</translation>
    </message>
    <message>
      <source>Tile size (pixels)</source>
      <translation>Taille des tuiles (pixels)</translation>
    </message>
    <message>
      <source>Retrieved values</source>
      <translation>Valeurs restituées</translation>
    </message>
    <message>
      <source>Simulated image</source>
      <translation>Image simulée</translation>
    </message>
    <message>
      <source>Report</source>
      <translation>Rapport</translation>
    </message>
    <message>
      <source>Correlation matrix</source>
      <translation>Matrice de corrélation</translation>
    </message>
    <message>
      <source>Final image RMSE</source>
      <translation>RMSE finale de l'image</translation>
    </message>
    <message>
      <source>Iterations</source>
      <translation>Itérations</translation>
    </message>
    <message>
      <source>ZONES must be a raster or a polygon layer</source>
      <translation>ZONES doit être une couche raster ou une couche de polygones</translation>
    </message>
    <message>
      <source>ZONES has no polygon with a zone label</source>
      <translation>ZONES n'a aucun polygone avec une étiquette de zone</translation>
    </message>
    <message>
      <source>IMAGE is not a raster layer QGIS can open.</source>
      <translation>IMAGE n'est pas une couche raster que QGIS peut ouvrir.</translation>
    </message>
    <message>
      <source>GEOMETRIES_EXTRA gives {0} geometries but IMAGES_EXTRA has {1} images: write one 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra image, separated by ';'</source>
      <translation>GEOMETRIES_EXTRA donne {0} géométries mais IMAGES_EXTRA contient {1} images : écrivez un 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' par image supplémentaire, séparés par ';'</translation>
    </message>
    <message>
      <source>SKYL_EXTRA gives {0} entries but IMAGES_EXTRA has {1} images: write one value, or one per band, per extra image, separated by ';'</source>
      <translation>SKYL_EXTRA donne {0} entrées mais IMAGES_EXTRA contient {1} images : écrivez une valeur, ou une par bande, par image supplémentaire, séparées par ';'</translation>
    </message>
    <message>
      <source>Traced {0} geometries in {1:.1f} s; {2} iterations ({3} evaluations) in {4:.1f} s: {5}; image RMSE {6:.4g}</source>
      <translation>{0} géométries tracées en {1:.1f} s ; {2} itérations ({3} évaluations) en {4:.1f} s : {5} ; RMSE de l'image {6:.4g}</translation>
    </message>
    <message>
      <source>GEOMETRIES_EXTRA entry '{0}' must be four numbers: sun zenith, sun azimuth, view zenith, view azimuth (degrees)</source>
      <translation>L'entrée « {0} » de GEOMETRIES_EXTRA doit comporter quatre nombres : zénith solaire, azimut solaire, zénith de visée, azimut de visée (degrés)</translation>
    </message>
    <message>
      <source>RT_RANGE '{0}' must be two numbers 'low,high', e.g. 0.5,2</source>
      <translation>RT_RANGE '{0}' doit être deux nombres 'bas,haut', par ex. 0.5,2</translation>
    </message>
    <message>
      <source>ZONES is a polygon layer: ZONE_FIELD must name one of its fields (got '{0}')</source>
      <translation>ZONES est une couche de polygones : ZONE_FIELD doit nommer l'un de ses champs (reçu « {0} »)</translation>
    </message>
    <message>
      <source>Angles used for {0}: sun zenith {1:g}, sun azimuth {2:g}, view zenith {3:g}, view azimuth {4:g} (GEOMETRIES_EXTRA)</source>
      <translation>Angles utilisés pour {0} : zénith solaire {1:g}, azimut solaire {2:g}, zénith de visée {3:g}, azimut de visée {4:g} (GEOMETRIES_EXTRA)</translation>
    </message>
    <message>
      <source>IMAGES_EXTRA {0} has bands {1}; IMAGE has {2}: they must be the same</source>
      <translation>IMAGES_EXTRA {0} a les bandes {1} ; IMAGE a {2} : elles doivent être identiques</translation>
    </message>
    <message>
      <source>element '{0}' is both fixed and a PROSPECT leaf</source>
      <translation>l'élément « {0} » est à la fois fixé et une feuille PROSPECT</translation>
    </message>
    <message>
      <source>Simulate image (3D radiative transfer)</source>
      <translation>Simuler une image (transfert radiatif 3D)</translation>
    </message>
    <message>
      <source>Monte Carlo 3D radiative transfer over a classified mock-up: the surface reflectance image (bidirectional reflectance factor) an orthographic sensor sees for the element OPs of the element table or of OP maps, with each element's visible fraction per pixel, the standard error, and the gradients dR/dOP. The scene is traced once; bands and gradients are evaluated from that one trace.</source>
      <translation>Transfert radiatif 3D Monte-Carlo sur une maquette classifiée : l'image de réflectance de surface (facteur de réflectance bidirectionnel) vue par un capteur orthographique pour les OP des éléments de la table des éléments ou des cartes OP, avec la fraction visible de chaque élément par pixel, l'erreur standard et les gradients dR/dOP. La scène est tracée une seule fois ; les bandes et les gradients sont évalués à partir de ce tracé unique.</translation>
    </message>
    <message>
      <source>Optional folder of per-element OP maps &lt;element&gt;.tif on the output grid (as written by unmix3d:unmix); NoData pixels take the element table's value.</source>
      <translation>Dossier facultatif de cartes OP par élément &lt;element&gt;.tif sur la grille de sortie (telles qu'écrites par unmix3d:unmix) ; les pixels NoData prennent la valeur de la table des éléments.</translation>
    </message>
    <message>
      <source>Raster whose grid, CRS and band names the simulated image takes. Without it, give EXTENT, PIXEL_SIZE, CRS and BANDS.</source>
      <translation>Raster dont l'image simulée prend la grille, le SCR et les noms de bandes. Sans lui, indiquez EXTENT, PIXEL_SIZE, CRS et BANDS.</translation>
    </message>
    <message>
      <source>Extent of the simulated image when no reference raster is given.</source>
      <translation>Emprise de l'image simulée lorsqu'aucun raster de référence n'est fourni.</translation>
    </message>
    <message>
      <source>Pixel size in metres when no reference raster is given.</source>
      <translation>Taille de pixel en mètres lorsqu'aucun raster de référence n'est fourni.</translation>
    </message>
    <message>
      <source>Projected CRS (metres) of the mock-up and the image when no reference raster is given.</source>
      <translation>SCR projeté (en mètres) de la maquette et de l'image lorsqu'aucun raster de référence n'est fourni.</translation>
    </message>
    <message>
      <source>Comma-separated band names (columns of the element table) when no reference raster is given.</source>
      <translation>Noms de bandes séparés par des virgules (colonnes de la table des éléments) lorsqu'aucun raster de référence n'est fourni.</translation>
    </message>
    <message>
      <source>0 (default): automatic. The whole grid is traced at once unless the trace's memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY; then, for runs the tiles can make (below), it runs in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise tiles of this many pixels square, each traced with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks, and written into the outputs as they finish; the same pixels draw the same random numbers as untiled. Tiled runs write the image, fractions and standard error from the element table's OPs (not OP maps or gradients).</source>
      <translation>0 (par défaut) : automatique. Toute la grille est tracée d'un coup, sauf si l'estimation de mémoire du tracé (quelques pixels pilotes, avant le tracé) dépasse MAX_MEMORY ; alors, pour les calculs que les tuiles savent faire (ci-dessous), il se fait par tuiles de taille ajustée pour tenir (un multiple de 16 pixels, au moins 32), indiquée dans le journal. Sinon, des tuiles carrées de ce nombre de pixels, chacune tracée avec les seuls triangles de la maquette dans un halo de hauteur maximale x (tan(max(zénith solaire, zénith de visée)) + 1) autour d'elle, comme tâches Dask, et écrites dans les sorties dès qu'elles sont finies ; chaque pixel tire les mêmes nombres aléatoires que sans tuiles. Les calculs en tuiles écrivent l'image, les fractions et l'erreur type à partir des PO de la table des éléments (pas de cartes de PO ni de gradients).</translation>
    </message>
    <message>
      <source>Bidirectional reflectance factor, one band per band, named.</source>
      <translation>Facteur de réflectance bidirectionnel, une bande par bande, nommée.</translation>
    </message>
    <message>
      <source>Visible fraction of each element in each pixel, one band per element, named.</source>
      <translation>Fraction visible de chaque élément dans chaque pixel, une bande par élément, nommée.</translation>
    </message>
    <message>
      <source>Monte Carlo standard error of each pixel and band.</source>
      <translation>Erreur standard Monte-Carlo de chaque pixel et de chaque bande.</translation>
    </message>
    <message>
      <source>Folder for the gradients: &lt;element&gt;.tif holds dR/dOP per band (OP = reflectance or albedo); for translucent elements also &lt;element&gt;_r.tif and &lt;element&gt;_t.tif (dR/dr, dR/dt) when OPs come from the table.</source>
      <translation>Dossier des gradients : &lt;element&gt;.tif contient dR/dOP par bande (OP = réflectance ou albédo) ; pour les éléments translucides, également &lt;element&gt;_r.tif et &lt;element&gt;_t.tif (dR/dr, dR/dt) lorsque les OP proviennent de la table.</translation>
    </message>
    <message>
      <source>OP maps folder</source>
      <translation>Dossier des cartes OP</translation>
    </message>
    <message>
      <source>Reference raster (grid)</source>
      <translation>Raster de référence (grille)</translation>
    </message>
    <message>
      <source>Pixel size (m)</source>
      <translation>Taille de pixel (m)</translation>
    </message>
    <message>
      <source>CRS</source>
      <translation>SCR</translation>
    </message>
    <message>
      <source>Bands</source>
      <translation>Bandes</translation>
    </message>
    <message>
      <source>Element fractions</source>
      <translation>Fractions des éléments</translation>
    </message>
    <message>
      <source>Standard error</source>
      <translation>Erreur standard</translation>
    </message>
    <message>
      <source>Gradients folder</source>
      <translation>Dossier des gradients</translation>
    </message>
    <message>
      <source>Give either a REFERENCE raster or EXTENT, PIXEL_SIZE, CRS and BANDS.</source>
      <translation>Indiquez soit un raster REFERENCE, soit EXTENT, PIXEL_SIZE, CRS et BANDS.</translation>
    </message>
    <message>
      <source>Traced {0} pixels x {1} samples in {2:.1f} s</source>
      <translation>{0} pixels x {1} échantillons tracés en {2:.1f} s</translation>
    </message>
    <message>
      <source>Traced {0} tiles of up to {1} pixels (halo {2:.1f} m, {3:,.0f} triangles per tile on average) in {4:.1f} s</source>
      <translation>{0} tuiles d'au plus {1} pixels tracées (halo {2:.1f} m, {3:,.0f} triangles par tuile en moyenne) en {4:.1f} s</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a tiled mock-up folder, read per tile: set TILE_SIZE in pixels (for example 50) and INPUT_LEVEL surface</source>
      <translation>MOCKUP {0} est un dossier de maquette tuilée, lu tuile par tuile : donnez TILE_SIZE en pixels (par exemple 50) et INPUT_LEVEL surface</translation>
    </message>
    <message>
      <source>TILE_SIZE {0}: tiled runs simulate the element table's OPs only; leave OP_MAPS and GRADIENTS empty or set TILE_SIZE to 0</source>
      <translation>TILE_SIZE {0} : les calculs en tuiles ne simulent que les PO de la table des éléments ; laissez OP_MAPS et GRADIENTS vides ou mettez TILE_SIZE à 0</translation>
    </message>
    <message>
      <source>TILE_SIZE {0}: tiled runs write surface reflectance only; set INPUT_LEVEL to surface or TILE_SIZE to 0</source>
      <translation>TILE_SIZE {0} : les exécutions par tuiles n'écrivent que la réflectance de surface ; mettez INPUT_LEVEL à surface ou TILE_SIZE à 0</translation>
    </message>
    <message>
      <source>Unmix optical properties (US-DART)</source>
      <translation>Démélanger les propriétés optiques (US-DART)</translation>
    </message>
    <message>
      <source>Retrieves one optical-property (OP) map per scene element — Lambertian reflectance for opaque elements, albedo (r + t, split with the element table's r/t ratio) for translucent ones — from a surface-reflectance image and a classified 3D mock-up, with the US-DART method: pure pixel selection, windowed linear spectral mixture analysis, gradient iterations on a Monte Carlo 3D radiative-transfer model, and spectral-rule correction. The scene is traced once; every iteration re-uses that trace. METHOD dart-calibration runs the DART-calibration baseline (LSMA then per-pixel scaling) for comparison. Departures from the paper, each switchable back: model-based starts, damped window solves, one scene-wide OP for elements never half of a pixel, and one OP per mock-up part for elements made of several parts; CLOSURE optionally matches the image exactly at the end.</source>
      <translation>Restitue une carte de propriétés optiques (OP) par élément de la scène — réflectance lambertienne pour les éléments opaques, albédo (r + t, réparti selon le rapport r/t de la table des éléments) pour les éléments translucides — à partir d'une image de réflectance de surface et d'une maquette 3D classifiée, avec la méthode US-DART : sélection des pixels purs, analyse linéaire de mélange spectral par fenêtre glissante, itérations de gradient sur un modèle de transfert radiatif 3D Monte-Carlo, et correction par règles spectrales. La scène est tracée une seule fois ; chaque itération réutilise ce tracé. METHOD dart-calibration exécute la méthode de référence DART-calibration (LSMA puis mise à l'échelle par pixel) à des fins de comparaison. Écarts à l'article, chacun réversible : départs fondés sur le modèle, résolutions par fenêtre amorties, une seule OP pour toute la scène pour les éléments qui n'occupent jamais la moitié d'un pixel, et une OP par partie de la maquette pour les éléments formés de plusieurs parties ; CLOSURE permet en option de reproduire exactement l'image à la fin.</translation>
    </message>
    <message>
      <source>us-dart (PPS, LSMA, gradient iterations, SC) or dart-calibration (the baseline: LSMA then per-pixel Newton scaling of all OPs).</source>
      <translation>us-dart (PPS, LSMA, itérations de gradient, SC) ou dart-calibration (la méthode de référence : LSMA puis mise à l'échelle de Newton par pixel de toutes les OP).</translation>
    </message>
    <message>
      <source>Moving window whose pixels share each element's OP; it must hold at least as many pixels as there are elements.</source>
      <translation>Fenêtre glissante dont les pixels partagent l'OP de chaque élément ; elle doit contenir au moins autant de pixels qu'il y a d'éléments.</translation>
    </message>
    <message>
      <source>Rectangle or inscribed ellipse.</source>
      <translation>Rectangle ou ellipse inscrite.</translation>
    </message>
    <message>
      <source>Gradient iterations after LSMA (they stop earlier once the simulated image matches the image).</source>
      <translation>Itérations de gradient après la LSMA (elles s'arrêtent plus tôt dès que l'image simulée correspond à l'image).</translation>
    </message>
    <message>
      <source>Erode pure-pixel zones by this many pixels, dropping boundary pixels hit by co-registration error.</source>
      <translation>Éroder les zones de pixels purs de ce nombre de pixels, en écartant les pixels de bordure affectés par l'erreur de co-registration.</translation>
    </message>
    <message>
      <source>Start every element at the reflectance of its pure pixels (sqrt of it for translucent elements), as in the US-DART paper. By default Unmix3D solves the traced model for each element's OP at its pure pixels, purest elements first, the others at their starts: a pure pixel at the 0.9 threshold still holds 10 % of other elements, walls seen from above are never more than a fifth of a pixel, and sqrt(R) is about 3 times a dense canopy's albedo at red, all outside the EPSILON bounds.</source>
      <translation>Démarrer chaque élément à la réflectance de ses pixels purs (sa racine carrée pour les éléments translucides), comme dans l'article US-DART. Par défaut, Unmix3D résout le modèle tracé pour l'OP de chaque élément à ses pixels purs, les éléments les plus purs d'abord, les autres à leur valeur de départ : un pixel pur au seuil de 0,9 contient encore 10 % d'autres éléments, des murs vus d'en haut ne dépassent jamais un cinquième de pixel, et sqrt(R) vaut environ 3 fois l'albédo d'un couvert dense dans le rouge, tous hors des bornes EPSILON.</translation>
    </message>
    <message>
      <source>Levenberg-Marquardt damping: each OP is held to its current value by this times its diagonal normal-equation term. The converged solution is the same, but what a window cannot tell apart (every pixel the same mix, as inside a uniform plot) stays put instead of following the Monte Carlo noise. 0 is the paper's undamped solve.</source>
      <translation>Amortissement de Levenberg-Marquardt : chaque OP est retenue à sa valeur courante par ce facteur fois son terme diagonal des équations normales. La solution convergée est la même, mais ce qu'une fenêtre ne peut pas distinguer (tous les pixels avec le même mélange, comme à l'intérieur d'une parcelle uniforme) reste en place au lieu de suivre le bruit Monte Carlo. 0 correspond à la résolution non amortie de l'article.</translation>
    </message>
    <message>
      <source>Each pixel's OPs are held to the solution of the nearest pure pixels of each element (re-solved at every iteration) with this weight, relative to the window's normal equations, fading over about 1.5 pixels from them. A class is rarely one material (several asphalts under one pavement, a material per roof): the window alone returns their local mean, while the nearest pure pixel is most often the same surface. 0 is the paper's window-only solve.</source>
      <translation>Les PO de chaque pixel sont retenues à la solution des pixels purs les plus proches de chaque élément (recalculée à chaque itération) avec ce poids, relatif aux équations normales de la fenêtre, décroissant sur environ 1,5 pixel autour d'eux. Une classe est rarement un seul matériau (plusieurs asphaltes sous une même chaussée, un matériau par toit) : la fenêtre seule donne leur moyenne locale, alors que le pixel pur le plus proche est le plus souvent la même surface. 0 est la résolution par fenêtre seule de l'article.</translation>
    </message>
    <message>
      <source>By default an element that is never at least half of any pixel (walls seen from above) gets one OP per band for the whole scene, solved jointly with the other elements' window OPs: a window sees it in a few pixels at a fifth of their area, and its solution there is mostly Monte Carlo noise. Check this to solve it per window, as in the US-DART paper.</source>
      <translation>Par défaut, un élément qui n'occupe jamais au moins la moitié d'un pixel (les murs vus d'en haut) reçoit une seule OP par bande pour toute la scène, résolue conjointement avec les OP par fenêtre des autres éléments : une fenêtre ne le voit que dans quelques pixels, sur un cinquième de leur surface, et sa solution y est surtout du bruit Monte Carlo. Cocher pour le résoudre par fenêtre, comme dans l'article US-DART.</translation>
    </message>
    <message>
      <source>After the iterations, scale every element's OP in a pixel and band by one factor until the simulated image equals the image (DART calibration's step, US-DART only; the spectral rules then keep the last word). The image error then vanishes, and what it held (Monte Carlo noise, mock-up error) goes into the OP maps: on the vegetation demo the median image error falls from 1.2 % to 0 and the vegetation OP error rises from 0.4 % to 1.1 %.</source>
      <translation>Après les itérations, multiplier les OP de tous les éléments d'un pixel et d'une bande par un même facteur jusqu'à ce que l'image simulée égale l'image (l'étape de la calibration DART, US-DART seulement ; les règles spectrales ont ensuite le dernier mot). L'erreur image disparaît alors, et ce qu'elle contenait (bruit Monte Carlo, erreur de maquette) passe dans les cartes d'OP : sur la démo végétation, l'erreur image médiane passe de 1,2 % à 0 et l'erreur d'OP de la végétation de 0,4 % à 1,1 %.</translation>
    </message>
    <message>
      <source>After the iterations, an element made of several parts of the mock-up (OBJ groups, glTF meshes: a lawn, a roof, a tree each its own group) gets one OP per part, solved from every pixel that sees the part, and its OP map holds the mean of its parts' OPs over its visible area in each pixel. Real element classes hold many materials (an asphalt per street, a material per roof), which a window cannot tell apart: on images rendered by Mitsuba 3 of Berlin and synthetic towns, the median pavement error fell from 0.6-2.1 % to 0.1-0.3 %. A part the sensor hardly sees (the ground under a crown, seen through its gaps) and whose pixels do not fix its OP is solved as one OP with the part of its element it touches most (the lawn it continues). An element of one part (a ground, a river) is solved as blocks of 10 x 10 pixels: if they look alike it takes their common OP, else it keeps its window solution. Uncheck it when a part mixes materials.</source>
      <translation>Après les itérations, un élément formé de plusieurs parties de la maquette (groupes OBJ, maillages glTF : une pelouse, un toit, un arbre, chacun son groupe) reçoit une OP par partie, résolue à partir de tous les pixels qui voient la partie, et sa carte d'OP contient la moyenne des OP de ses parties sur sa surface visible dans chaque pixel. Les classes d'éléments réelles regroupent de nombreux matériaux (un asphalte par rue, un matériau par toit), qu'une fenêtre ne peut pas distinguer : sur des images rendues par Mitsuba 3 de Berlin et de villes synthétiques, l'erreur médiane sur la chaussée est passée de 0,6-2,1 % à 0,1-0,3 %. Une partie que le capteur voit à peine (le sol sous une couronne, vu par ses trouées) et dont les pixels ne fixent pas l'OP est résolue en une seule OP avec la partie de son élément qu'elle touche le plus (la pelouse qu'elle prolonge). Un élément d'une seule partie (un sol, une rivière) est résolu par blocs de 10 x 10 pixels : s'ils se ressemblent, il prend leur OP commune, sinon il garde sa solution par fenêtre. Décochez cette option lorsqu'une partie mélange des matériaux.</translation>
    </message>
    <message>
      <source>Adaptive sampling: the Monte Carlo noise aimed at for the trace, as the median relative standard error of the image simulated at the element table's OPs in its noisiest band, in %. SAMPLES are traced first; while the noise is above this, more samples are traced (new seeds, pooled with the first) up to the total of SAMPLES x 2, 4, 8... that its fall as 1 / sqrt(samples) says is needed, within TIME_BUDGET and 16,384 samples per pixel. 0: trace SAMPLES once (reproducible whatever the machine's speed). Not applied with UNMIX_BY_TILES. The log and report say which noise was reached.</source>
      <translation>Échantillonnage adaptatif : le bruit Monte-Carlo visé pour le tracé, comme erreur type relative médiane de l'image simulée aux PO de la table des éléments dans sa bande la plus bruitée, en %. SAMPLES sont tracés d'abord ; tant que le bruit dépasse cette valeur, d'autres échantillons sont tracés (nouvelles graines, regroupés avec les premiers) jusqu'au total de SAMPLES x 2, 4, 8... que sa décroissance en 1 / sqrt(échantillons) indique, dans la limite de TIME_BUDGET et de 16 384 échantillons par pixel. 0 : tracer SAMPLES une seule fois (reproductible quelle que soit la vitesse de la machine). Non appliqué avec UNMIX_BY_TILES. Le journal et le rapport indiquent le bruit atteint.</translation>
    </message>
    <message>
      <source>Seconds of tracing adaptive sampling (TRACE_NOISE) may spend in all: no block of more samples is started that would end after it at the speed of the blocks before. Where the next doubling of the samples does not fit, blocks of half, a quarter... of it (down to SAMPLES) use what is left.</source>
      <translation>Secondes de tracé que l'échantillonnage adaptatif (TRACE_NOISE) peut dépenser en tout : aucun bloc d'échantillons supplémentaires n'est commencé s'il devait finir après, à la vitesse des blocs précédents. Là où le doublement suivant des échantillons ne tient pas, des blocs de la moitié, du quart... de celui-ci (jusqu'à SAMPLES) utilisent ce qui reste.</translation>
    </message>
    <message>
      <source>0 (default): automatic. The whole grid is traced at once unless the trace's memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY and tiles leave room for the joined trace; then it runs in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise the trace runs in tiles of this many pixels square, each with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks; the tiles' traces are then joined and unmixed as one image, so windows across tile edges and pure pixel selection see the whole image (no seams).</source>
      <translation>0 (défaut) : automatique. Toute la grille est tracée d'un coup, sauf si l'estimation de mémoire du tracé (quelques pixels pilotes, avant le tracé) dépasse MAX_MEMORY et que des tuiles laissent la place au tracé réuni ; il se fait alors par tuiles de taille ajustée pour tenir (un multiple de 16 pixels, au moins 32), indiquée dans le journal. Sinon le tracé se fait par tuiles carrées de ce nombre de pixels, chacune avec les seuls triangles de la maquette situés dans un halo de hauteur maximale x (tan(max(zénith solaire, zénith de visée)) + 1) autour d'elle, comme tâches Dask ; les tracés des tuiles sont ensuite réunis et démélangés comme une seule image, si bien que les fenêtres à cheval sur les bords de tuiles et la sélection des pixels purs voient toute l'image (pas de coutures).</translation>
    </message>
    <message>
      <source>For cities (needs TILE_SIZE &gt; 0): each tile, grown by a pixel halo of half the window, is traced and unmixed on its own as a Dask task, and its OP maps are written as it finishes, so memory does not grow with the image: the image is checked strip by strip and read block by block, and MOCKUP may be a tiled mock-up folder (one OBJ per piece) read per tile. Pure pixels and the scene-wide OP of minor elements are then decided per tile and halo. Surface reflectance only; TRUTH, REPORT, ACCURACY, OBJECTS and TERRAIN need the whole image and are not available.</source>
      <translation>Pour les villes (exige TILE_SIZE &gt; 0) : chaque tuile, agrandie d'un halo de pixels d'une demi-fenêtre, est tracée et démélangée seule comme tâche Dask, et ses cartes de PO sont écrites dès qu'elle est finie, si bien que la mémoire ne croît pas avec l'image : l'image est vérifiée bande de lignes par bande de lignes et lue bloc par bloc, et MOCKUP peut être un dossier de maquette tuilée (un OBJ par morceau) lu tuile par tuile. Les pixels purs et la PO commune des éléments mineurs sont alors décidés par tuile et halo. Réflectance de surface seulement ; TRUTH, REPORT, ACCURACY, OBJECTS et TERRAIN exigent l'image entière et ne sont pas disponibles.</translation>
    </message>
    <message>
      <source>Optional folder of known OP maps &lt;element&gt;.tif (pseudo images): the report then gives OP errors and the accuracy table.</source>
      <translation>Dossier facultatif de cartes OP connues &lt;element&gt;.tif (pseudo-images) : le rapport donne alors les erreurs sur les OP et le tableau de précision.</translation>
    </message>
    <message>
      <source>Add the OP maps to the project in a layer group, styled as true-colour composites.</source>
      <translation>Ajouter les cartes OP au projet dans un groupe de couches, stylées en compositions en couleurs vraies.</translation>
    </message>
    <message>
      <source>One GeoTIFF &lt;element&gt;.tif per element, one band per image band, NoData where the element's fraction is below MIN_FRACTION.</source>
      <translation>Un GeoTIFF &lt;element&gt;.tif par élément, une bande par bande de l'image, NoData là où la fraction de l'élément est inférieure à MIN_FRACTION.</translation>
    </message>
    <message>
      <source>The image simulated with the retrieved OP maps.</source>
      <translation>L'image simulée avec les cartes OP restituées.</translation>
    </message>
    <message>
      <source>HTML report: convergence per iteration, final errors, true-colour composites.</source>
      <translation>Rapport HTML : convergence par itération, erreurs finales, compositions en couleurs vraies.</translation>
    </message>
    <message>
      <source>CSV of image and OP errors per element (OP errors need TRUTH).</source>
      <translation>CSV des erreurs sur l'image et sur les OP par élément (les erreurs sur les OP nécessitent TRUTH).</translation>
    </message>
    <message>
      <source>Shift applied to the mock-up to co-register it with the image (see unmix3d:coregister).</source>
      <translation>Décalage appliqué à la maquette pour la co-enregistrer avec l'image (voir unmix3d:coregister).</translation>
    </message>
    <message>
      <source>Method</source>
      <translation>Méthode</translation>
    </message>
    <message>
      <source>Window (rows x columns)</source>
      <translation>Fenêtre (lignes x colonnes)</translation>
    </message>
    <message>
      <source>Window shape</source>
      <translation>Forme de la fenêtre</translation>
    </message>
    <message>
      <source>Erosion of pure zones (pixels)</source>
      <translation>Érosion des zones pures (pixels)</translation>
    </message>
    <message>
      <source>Pure pixel start as published</source>
      <translation>Initialisation par pixels purs comme publiée</translation>
    </message>
    <message>
      <source>Damping of window solves</source>
      <translation>Amortissement des résolutions par fenêtre</translation>
    </message>
    <message>
      <source>Hold to the nearest pure pixels</source>
      <translation>Retenir aux pixels purs les plus proches</translation>
    </message>
    <message>
      <source>Solve minor elements per window</source>
      <translation>Résoudre les éléments mineurs par fenêtre</translation>
    </message>
    <message>
      <source>Close the image exactly</source>
      <translation>Reproduire l'image exactement</translation>
    </message>
    <message>
      <source>One OP per mock-up part</source>
      <translation>Une OP par partie de la maquette</translation>
    </message>
    <message>
      <source>Trace noise aimed at (%)</source>
      <translation>Bruit du tracé visé (%)</translation>
    </message>
    <message>
      <source>Time budget for tracing (s)</source>
      <translation>Budget de temps du tracé (s)</translation>
    </message>
    <message>
      <source>Unmix tile by tile</source>
      <translation>Démélanger tuile par tuile</translation>
    </message>
    <message>
      <source>True OP maps (validation)</source>
      <translation>Vraies cartes OP (validation)</translation>
    </message>
    <message>
      <source>Load OP maps in the project</source>
      <translation>Charger les cartes OP dans le projet</translation>
    </message>
    <message>
      <source>Final simulated image</source>
      <translation>Image simulée finale</translation>
    </message>
    <message>
      <source>Accuracy table</source>
      <translation>Tableau de précision</translation>
    </message>
    <message>
      <source>CLOSURE applies to US-DART only: DART calibration already fits every pixel.</source>
      <translation>CLOSURE ne s'applique qu'à US-DART : la calibration DART ajuste déjà chaque pixel.</translation>
    </message>
    <message>
      <source>Monte Carlo noise reached at SAMPLES {0} (median relative standard error of the simulated image; four times the samples halve it): {1}. Median image residual: {2}.</source>
      <translation>Bruit Monte-Carlo atteint avec SAMPLES {0} (erreur type relative médiane de l'image simulée ; quatre fois plus d'échantillons la divisent par deux) : {1}. Résidu médian de l'image : {2}.</translation>
    </message>
    <message>
      <source>WINDOW '{0}' must look like 5x5 (rows x columns)</source>
      <translation>WINDOW « {0} » doit être de la forme 5x5 (lignes x colonnes)</translation>
    </message>
    <message>
      <source>Canceled: no OP map was written.</source>
      <translation>Annulé : aucune carte OP n'a été écrite.</translation>
    </message>
    <message>
      <source>OP maps: {0} ({1})</source>
      <translation>Cartes OP : {0} ({1})</translation>
    </message>
    <message>
      <source>OBJECTS is not applied to tiled runs (TILE_SIZE &gt; 0) yet: every element keeps its window solution.</source>
      <translation>OBJECTS ne s'applique pas encore aux exécutions tuilées (TILE_SIZE &gt; 0) : chaque élément garde sa solution par fenêtre.</translation>
    </message>
    <message>
      <source>{0}: {1:.2f} s</source>
      <translation>{0} : {1:.2f} s</translation>
    </message>
    <message>
      <source>One OP per mock-up part for {0}: {1} parts, in parts.csv; the other elements keep their window solution.</source>
      <translation>Une OP par partie de la maquette pour {0} : {1} parties, dans parts.csv ; les autres éléments gardent leur solution par fenêtre.</translation>
    </message>
    <message>
      <source>Element {0} is never seen enough to be retrieved: its visible fraction reaches at most {1:.3f} in a pixel, below MIN_FRACTION {2:g} (walls seen from nadir, parts hidden under others), so its OP map is all NoData.</source>
      <translation>L'élément {0} n'est jamais assez visible pour être restitué : sa fraction visible atteint au plus {1:.3f} dans un pixel, sous MIN_FRACTION {2:g} (murs vus au nadir, parties cachées sous d'autres), sa carte de PO est donc entièrement NoData.</translation>
    </message>
    <message>
      <source>OBJECTS is not applied to tiled runs yet, and TILE_SIZE 0 chose tiles of {0} pixels for this grid under MAX_MEMORY: every element keeps its window solution; raise MAX_MEMORY to keep OBJECTS.</source>
      <translation>OBJECTS ne s'applique pas encore aux calculs par tuiles, et TILE_SIZE 0 a choisi des tuiles de {0} pixels pour cette grille sous MAX_MEMORY : chaque élément garde sa solution par fenêtre ; augmentez MAX_MEMORY pour garder OBJECTS.</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES needs a TILE_SIZE in pixels (for example 50): the automatic rule of TILE_SIZE 0 sizes tiles of the trace only</source>
      <translation>UNMIX_BY_TILES exige un TILE_SIZE en pixels (par exemple 50) : la règle automatique de TILE_SIZE 0 ne dimensionne que les tuiles du tracé</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES writes no REPORT (it needs the whole image at once): the temporary report is left out.</source>
      <translation>UNMIX_BY_TILES n'écrit pas de REPORT (il exige toute l'image à la fois) : le rapport temporaire est omis.</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES unmixes surface reflectance only; set INPUT_LEVEL to surface (correct the image first) or unmix without UNMIX_BY_TILES</source>
      <translation>UNMIX_BY_TILES ne démélange que la réflectance de surface ; mettez INPUT_LEVEL à surface (corrigez d'abord l'image) ou démélangez sans UNMIX_BY_TILES</translation>
    </message>
    <message>
      <source>Unmixed {0} tiles of up to {1} pixels tile by tile (pixel halo {2}, geometric halo {3:.1f} m) in {4:.1f} s</source>
      <translation>{0} tuiles d'au plus {1} pixels démélangées tuile par tuile (halo de pixels {2}, halo géométrique {3:.1f} m) en {4:.1f} s</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES: {0} need(s) the whole image at once; leave them empty (REPORT included) or unmix without UNMIX_BY_TILES</source>
      <translation>UNMIX_BY_TILES : {0} exige(nt) l'image entière d'un coup ; laissez-les vides (REPORT compris) ou démélangez sans UNMIX_BY_TILES</translation>
    </message>
  </context>
</TS>
