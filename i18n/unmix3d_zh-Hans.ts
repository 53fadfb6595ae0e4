<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>Unmix3D</name>
    <message>
      <source>Build 3D mock-up from layers</source>
      <translation>由图层构建三维场景模型</translation>
    </message>
    <message>
      <source>Radiative transfer</source>
      <translation>辐射传输</translation>
    </message>
    <message>
      <source>Builds a classified 3D mock-up (OBJ with one group per part, or GLB) and a matching element-table template from layers: a DEM (or flat ground) classified by a land cover, building footprints extruded to flat roofs (height field, floors or DSM; courtyards and multipolygons handled), trees as ellipsoidal crowns of leaf triangles or turbid volumes on trunks, and water polygons. Every layer is reprojected to the target CRS (projected, metres). The triangle count is stated before anything is written; invalid polygons are repaired, missing heights counted and reported; nothing is left half-written on error or cancel.</source>
      <translation>由图层构建分类的三维场景模型（OBJ，每个部分一个组；或 GLB）及对应的元素表模板：按土地覆盖分类的 DEM（或平坦地面）、拉伸为平屋顶的建筑物轮廓（高度字段、楼层数或 DSM；支持庭院和多部件多边形）、由叶片三角形或浑浊介质体构成的椭球形树冠（位于树干之上）的树木，以及水体多边形。每个图层都会重投影到目标坐标参考系（投影坐标系，单位为米）。在写入任何内容之前先给出三角形数量；无效多边形会被修复，缺失的高度会被统计并报告；出错或取消时不会留下写了一半的文件。</translation>
    </message>
    <message>
      <source>The image the mock-up is for: its extent plus MARGIN is the mock-up's extent and its CRS the default target CRS. Without it, give EXTENT.</source>
      <translation>场景模型所对应的影像：其范围加上 MARGIN 即为场景模型的范围，其坐标参考系为默认的目标坐标参考系。若不提供，请给出 EXTENT。</translation>
    </message>
    <message>
      <source>Extent of the mock-up when no IMAGE is given (MARGIN is added).</source>
      <translation>未提供 IMAGE 时场景模型的范围（会加上 MARGIN）。</translation>
    </message>
    <message>
      <source>Metres added on every side of the image's extent, so that oblique rays near the image's edges still meet the scene.</source>
      <translation>在影像范围每一侧增加的米数，使影像边缘附近的倾斜光线仍能与场景相交。</translation>
    </message>
    <message>
      <source>Projected CRS (metres) of the mock-up; default: the IMAGE's CRS, else the EXTENT's. Every layer is reprojected to it.</source>
      <translation>场景模型的投影坐标参考系（单位为米）；默认：IMAGE 的坐标参考系，否则为 EXTENT 的坐标参考系。每个图层都会重投影到该坐标参考系。</translation>
    </message>
    <message>
      <source>Terrain heights in metres (band 1). Without it the ground is flat at GROUND_HEIGHT. Gaps inside the extent are filled from the nearest values and reported; trees and buildings over gaps or beyond the DEM are skipped.</source>
      <translation>地形高程，单位为米（波段 1）。若不提供，地面为高度 GROUND_HEIGHT 的平面。范围内的空缺由最近的值填补并报告；位于空缺处或 DEM 之外的树木和建筑物将被跳过。</translation>
    </message>
    <message>
      <source>Spacing of the ground's height-field grid; 0 = the DEM's resolution (or the land-cover raster's, or 10 m).</source>
      <translation>地面高度场网格的间距；0 = DEM 的分辨率（或土地覆盖栅格的分辨率，或 10 m）。</translation>
    </message>
    <message>
      <source>Height of the flat ground when no DEM is given.</source>
      <translation>未提供 DEM 时平坦地面的高度。</translation>
    </message>
    <message>
      <source>Element of ground cells without a land-cover class.</source>
      <translation>没有土地覆盖类别的地面单元所用的元素。</translation>
    </message>
    <message>
      <source>Classifies the ground: a raster of class values (value k becomes element class_k unless LANDCOVER_MAPPING names it) or polygons with a class field (LANDCOVER_FIELD). Each ground cell takes the class at its centre.</source>
      <translation>对地面进行分类：类别值栅格（值 k 成为元素 class_k，除非 LANDCOVER_MAPPING 为其命名）或带有类别字段（LANDCOVER_FIELD）的多边形。每个地面单元取其中心处的类别。</translation>
    </message>
    <message>
      <source>Field of the land-cover polygons holding the class name (e.g. grass, asphalt); it becomes the element name (lowercase, _ for other characters).</source>
      <translation>土地覆盖多边形中保存类别名称的字段（例如 grass、asphalt）；它将成为元素名称（小写，其他字符替换为 _）。</translation>
    </message>
    <message>
      <source>For a land-cover raster: value:name pairs, e.g. 1:grass,2:asphalt.</source>
      <translation>用于土地覆盖栅格：值:名称 对，例如 1:grass,2:asphalt。</translation>
    </message>
    <message>
      <source>Polygons extruded from the lowest ground point under them to a flat roof; holes (courtyards) and multipolygons are kept; invalid polygons are repaired (make_valid) and counted.</source>
      <translation>从其下方地面最低点拉伸至平屋顶的多边形；保留孔洞（庭院）和多部件多边形；无效多边形会被修复（make_valid）并计数。</translation>
    </message>
    <message>
      <source>Height of the roof above the ground, in metres.</source>
      <translation>屋顶距地面的高度，单位为米。</translation>
    </message>
    <message>
      <source>Used where the height field is empty: floors x FLOOR_HEIGHT.</source>
      <translation>在高度字段为空时使用：楼层数 x FLOOR_HEIGHT。</translation>
    </message>
    <message>
      <source>Storey height for FLOORS_FIELD.</source>
      <translation>FLOORS_FIELD 所用的层高。</translation>
    </message>
    <message>
      <source>Used where neither field gives a height: the roof is the median of the DSM inside the footprint (absolute heights, as the DEM).</source>
      <translation>在两个字段均未给出高度时使用：屋顶高度取建筑物轮廓内 DSM 的中位数（绝对高程，与 DEM 相同）。</translation>
    </message>
    <message>
      <source>Height of buildings no field or DSM gives a height for; 0 = skip them (they are counted and reported either way).</source>
      <translation>没有任何字段或 DSM 给出高度的建筑物所用的高度；0 = 跳过这些建筑物（无论如何都会被统计并报告）。</translation>
    </message>
    <message>
      <source>Field naming the roof material: its value becomes the roof element (tile -&gt; roof_tile, roof_concrete stays); empty: element roof.</source>
      <translation>指定屋顶材料的字段：其值成为屋顶元素（tile -&gt; roof_tile，roof_concrete 保持不变）；为空：元素 roof。</translation>
    </message>
    <message>
      <source>Tree positions: ellipsoidal crowns on closed octagonal trunks (element trunk).</source>
      <translation>树木位置：位于封闭八棱柱树干（元素 trunk）上的椭球形树冠。</translation>
    </message>
    <message>
      <source>Field naming the tree's leaf element (e.g. linden); empty: vegetation. The summary gives the leaf area per class.</source>
      <translation>指定树木叶片元素的字段（例如 linden）；为空：vegetation。摘要给出每个类别的叶面积。</translation>
    </message>
    <message>
      <source>triangles: crowns filled with free leaf triangles (element type translucent); turbid: closed ellipsoid meshes holding a turbid medium (element type turbid, with leaf_area_density and lad in the element table; needs the tracer's turbid support).</source>
      <translation>triangles：树冠由自由分布的叶片三角形填充（元素类型 translucent）；turbid：封闭的椭球网格，内含浑浊介质（元素类型 turbid，元素表中需有 leaf_area_density 和 lad；需要光线追踪器支持浑浊介质）。</translation>
    </message>
    <message>
      <source>One-sided leaf area per crown volume.</source>
      <translation>单位树冠体积的单面叶面积。</translation>
    </message>
    <message>
      <source>One-sided area of each leaf triangle (triangles mode): larger leaves, fewer triangles, same leaf area.</source>
      <translation>每个叶片三角形的单面面积（triangles 模式）：叶片越大，三角形越少，叶面积不变。</translation>
    </message>
    <message>
      <source>Distribution of the leaves' inclinations (de Wit).</source>
      <translation>叶倾角分布（de Wit）。</translation>
    </message>
    <message>
      <source>Flat water surfaces (element water) at the highest ground point under each polygon plus WATER_OFFSET.</source>
      <translation>平坦水面（元素 water），位于每个多边形下方地面最高点，再加上 WATER_OFFSET。</translation>
    </message>
    <message>
      <source>Lift of the water surface above the ground, against coplanar faces.</source>
      <translation>水面高出地面的高度，用于避免共面。</translation>
    </message>
    <message>
      <source>object: one group per building surface, tree and water body (roof_12, wall_12, tree_3_leaves); element: one per element (roof_all ...); automatic: per object up to 2000 objects.</source>
      <translation>object：每个建筑物表面、树木和水体一个组（roof_12、wall_12、tree_3_leaves）；element：每个元素一个组（roof_all ...）；automatic：对象数不超过 2000 时按对象分组。</translation>
    </message>
    <message>
      <source>The mock-up's triangle count is computed first; beyond this nothing is written.</source>
      <translation>首先计算场景模型的三角形数量；超过此值则不写入任何内容。</translation>
    </message>
    <message>
      <source>Comma-separated band names (e.g. B2,B3,B4,B8): the element table gets one column per band with a default spectrum (Sentinel-2 band names: typical material and leaf spectra; others: 0.2, leaves 0.5). Empty: no OP columns.</source>
      <translation>以逗号分隔的波段名称（例如 B2,B3,B4,B8）：元素表为每个波段生成一列，并填入默认光谱（Sentinel-2 波段名称：典型的材料和叶片光谱；其他：0.2，叶片 0.5）。为空：不生成 OP 列。</translation>
    </message>
    <message>
      <source>Seed of the leaf positions and angles.</source>
      <translation>叶片位置和角度的随机种子。</translation>
    </message>
    <message>
      <source>The mock-up, in the target CRS (metres, z up), absolute coordinates (mm).</source>
      <translation>场景模型，位于目标坐标参考系中（单位为米，z 轴向上），绝对坐标（mm）。</translation>
    </message>
    <message>
      <source>Element-table template: one row per element produced, with type and match globs filled in; fill in or check the OP columns before simulating.</source>
      <translation>元素表模板：每个生成的元素一行，已填写类型和匹配通配符；模拟前请填写或检查 OP 列。</translation>
    </message>
    <message>
      <source>Triangle budget and count, area and triangles per element, leaf area per tree class, and what was repaired or skipped.</source>
      <translation>三角形预算和数量、每个元素的面积和三角形数、每个树木类别的叶面积，以及被修复或跳过的内容。</translation>
    </message>
    <message>
      <source>Image (sets extent and CRS)</source>
      <translation>影像（确定范围和坐标参考系）</translation>
    </message>
    <message>
      <source>Extent</source>
      <translation>范围</translation>
    </message>
    <message>
      <source>Margin (m)</source>
      <translation>边距 (m)</translation>
    </message>
    <message>
      <source>Target CRS</source>
      <translation>目标坐标参考系</translation>
    </message>
    <message>
      <source>DEM (terrain heights)</source>
      <translation>DEM（地形高程）</translation>
    </message>
    <message>
      <source>Ground resolution (m)</source>
      <translation>地面分辨率 (m)</translation>
    </message>
    <message>
      <source>Flat ground height (m)</source>
      <translation>平坦地面高度 (m)</translation>
    </message>
    <message>
      <source>Ground element</source>
      <translation>地面元素</translation>
    </message>
    <message>
      <source>Land cover (raster or polygons)</source>
      <translation>土地覆盖（栅格或多边形）</translation>
    </message>
    <message>
      <source>Land cover class field</source>
      <translation>土地覆盖类别字段</translation>
    </message>
    <message>
      <source>Land cover mapping</source>
      <translation>土地覆盖类别映射</translation>
    </message>
    <message>
      <source>Building footprints</source>
      <translation>建筑物轮廓</translation>
    </message>
    <message>
      <source>Building height field (m)</source>
      <translation>建筑物高度字段 (m)</translation>
    </message>
    <message>
      <source>Number of floors field</source>
      <translation>楼层数字段</translation>
    </message>
    <message>
      <source>Floor height (m)</source>
      <translation>层高 (m)</translation>
    </message>
    <message>
      <source>DSM (surface heights)</source>
      <translation>DSM（地表高程）</translation>
    </message>
    <message>
      <source>Default building height (m)</source>
      <translation>默认建筑物高度 (m)</translation>
    </message>
    <message>
      <source>Roof class field</source>
      <translation>屋顶类别字段</translation>
    </message>
    <message>
      <source>Trees (points)</source>
      <translation>树木（点）</translation>
    </message>
    <message>
      <source>Tree class field</source>
      <translation>树木类别字段</translation>
    </message>
    <message>
      <source>Crowns as</source>
      <translation>树冠表示方式</translation>
    </message>
    <message>
      <source>Leaf area density (m²/m³)</source>
      <translation>叶面积体密度 (m²/m³)</translation>
    </message>
    <message>
      <source>Leaf triangle area (m²)</source>
      <translation>叶片三角形面积 (m²)</translation>
    </message>
    <message>
      <source>Leaf angle distribution</source>
      <translation>叶倾角分布</translation>
    </message>
    <message>
      <source>Water (polygons)</source>
      <translation>水体（多边形）</translation>
    </message>
    <message>
      <source>Water above ground (m)</source>
      <translation>水面高出地面 (m)</translation>
    </message>
    <message>
      <source>OBJ groups</source>
      <translation>OBJ 分组</translation>
    </message>
    <message>
      <source>Maximum triangles</source>
      <translation>最大三角形数</translation>
    </message>
    <message>
      <source>Bands of the element table</source>
      <translation>元素表的波段</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Mock-up</source>
      <translation>三维场景模型</translation>
    </message>
    <message>
      <source>Element table</source>
      <translation>元素表</translation>
    </message>
    <message>
      <source>Summary</source>
      <translation>摘要</translation>
    </message>
    <message>
      <source>Triangles</source>
      <translation>三角形</translation>
    </message>
    <message>
      <source>Give TARGET_CRS, or an IMAGE or EXTENT whose CRS the mock-up takes.</source>
      <translation>请给出 TARGET_CRS，或给出 IMAGE 或 EXTENT，场景模型将采用其坐标参考系。</translation>
    </message>
    <message>
      <source>Give an IMAGE or an EXTENT: they set the mock-up's extent.</source>
      <translation>请给出 IMAGE 或 EXTENT：它们确定场景模型的范围。</translation>
    </message>
    <message>
      <source>{0} {1}: {2} features in the extent</source>
      <translation>{0} {1}：范围内有 {2} 个要素</translation>
    </message>
    <message>
      <source>Mock-up extent {0:.1f}, {1:.1f}, {2:.1f}, {3:.1f} in {4}</source>
      <translation>模型范围 {0:.1f}, {1:.1f}, {2:.1f}, {3:.1f}（{4}）</translation>
    </message>
    <message>
      <source>Canceled: nothing was written.</source>
      <translation>已取消：未写入任何内容。</translation>
    </message>
    <message>
      <source>Wrote {0:,} triangles in {1:,} groups ({2} grouping) in {3:.1f} s</source>
      <translation>已写入 {0:,} 个三角形，共 {1:,} 组（{2} 分组），用时 {3:.1f} 秒</translation>
    </message>
    <message>
      <source>{0}: {1} values of {2} are not numbers (treated as missing)</source>
      <translation>{0}：{2} 中有 {1} 个值不是数字（按缺失处理）</translation>
    </message>
    <message>
      <source>The target CRS {0} is geographic (degrees): the mock-up needs a projected CRS in metres (e.g. the image's UTM zone); set TARGET_CRS.</source>
      <translation>目标坐标参考系 {0} 是地理坐标系（度）：模型需要以米为单位的投影坐标系（例如影像所在的 UTM 带）；请设置 TARGET_CRS。</translation>
    </message>
    <message>
      <source>{0} {1}: no feature lies within the target extent (the layer and the extent do not overlap)</source>
      <translation>{0} {1}：目标范围内没有要素（图层与范围不重叠）</translation>
    </message>
    <message>
      <source>{0} {1}: only file rasters (GDAL) are supported</source>
      <translation>{0} {1}：仅支持文件栅格（GDAL）</translation>
    </message>
    <message>
      <source>  leaf area of {0}: {1:,.1f} m²</source>
      <translation>  {0} 的叶面积：{1:,.1f} 平方米</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: no polygon lies within the target extent (the layer and the extent do not overlap)</source>
      <translation>LANDCOVER {0}：目标范围内没有多边形（图层与范围不重叠）</translation>
    </message>
    <message>
      <source>{0} field</source>
      <translation>{0} 字段</translation>
    </message>
    <message>
      <source>{0}, default</source>
      <translation>{0}，默认值</translation>
    </message>
    <message>
      <source>{0} {1}: cannot transform features to {2} ({3})</source>
      <translation>{0} {1}：无法将要素转换到 {2}（{3}）</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: cannot transform features ({1})</source>
      <translation>LANDCOVER {0}：无法转换要素（{1}）</translation>
    </message>
    <message>
      <source>IMAGE {0}: cannot transform its extent to {1} ({2})</source>
      <translation>IMAGE {0}：无法将其范围转换到 {1}（{2}）</translation>
    </message>
    <message>
      <source>{0} {1}: {2} '{3}' is not a field of the layer</source>
      <translation>{0} {1}：{2}“{3}”不是该图层的字段</translation>
    </message>
    <message>
      <source>LANDCOVER {0}: LANDCOVER_FIELD must name the field holding the class (got '{1}')</source>
      <translation>LANDCOVER {0}：LANDCOVER_FIELD 必须指定存放类别的字段（得到“{1}”）</translation>
    </message>
    <message>
      <source>Reflectance = value x SCALE + OFFSET (Sentinel-2 L2A: 0.0001).</source>
      <translation>反射率 = 值 x SCALE + OFFSET（Sentinel-2 L2A：0.0001）。</translation>
    </message>
    <message>
      <source>Added after scaling (Sentinel-2 L2A since processing baseline 04.00: -0.1).</source>
      <translation>缩放后加上的值（Sentinel-2 L2A 自处理基线 04.00 起：-0.1）。</translation>
    </message>
    <message>
      <source>Share of the downward irradiance that comes from the sky (isotropic): one value, or one per band separated by commas, or 6S to take it from the 6S atmosphere.</source>
      <translation>向下辐照度中来自天空（各向同性）的比例：一个值，或每个波段一个值，以逗号分隔；或填 6S，取自 6S 大气。</translation>
    </message>
    <message>
      <source>periodic: the mock-up tiles the plane (as DART's repetitive scenes); open: rays leaving the mock-up's box escape.</source>
      <translation>periodic：场景模型在平面上周期性重复（如 DART 的重复场景）；open：离开场景模型包围盒的光线逃逸。</translation>
    </message>
    <message>
      <source>Monte Carlo paths traced per pixel, on a jittered grid over the pixel; the standard error falls as 1/sqrt(SAMPLES). unmix defaults to 1,024: on independent renders of urban scenes, 256 left the leaves' median OP error at 5.4-6.0 % against 3.7-4.5 %, and 64 at 6.6-10 % (benchmarks/bench_independent.py); a 100 x 100 pixel, 12-band scene then unmixes in about 40 s on two cores.</source>
      <translation>每个像元追踪的蒙特卡罗路径数，在覆盖像元的抖动网格上；标准误差按 1/sqrt(SAMPLES) 下降。unmix 默认 1,024：在城市场景的独立渲染上，256 时叶片光学属性的中位误差为 5.4-6.0 %，而 1,024 时为 3.7-4.5 %，64 时为 6.6-10 %（benchmarks/bench_independent.py）；100 x 100 像元、12 波段的场景在两个核上约 40 秒完成解混。</translation>
    </message>
    <message>
      <source>Results are reproducible from the seed, whatever the number of threads. The defaults differ on purpose (simulate 1, unmix 2, retrieve 1000 and up): unmixing an image simulated with the same seed would invert the very paths that made it, and its Monte Carlo noise would look like signal.</source>
      <translation>结果可由随机种子复现，与线程数无关。各算法的默认值有意不同（simulate 为 1，unmix 为 2，retrieve 为 1000 起）：用同一种子对模拟影像解混，会反演恰好生成该影像的那些路径，其蒙特卡洛噪声会被当作信号。</translation>
    </message>
    <message>
      <source>Elements of the element table (comma-separated) whose surface is the terrain: every pixel lies on the terrain under its centre, as in orthorectified images (a plane would move the footprint by height x tan(view zenith) over relief). Empty, or the default 'ground' absent from the table: a horizontal plane at the mock-up's lowest point.</source>
      <translation>元素表中表面为地形的元素（以逗号分隔）：每个像元位于其中心下方的地形上，与正射校正影像一致（在起伏地形上，平面会使足迹移动 高度 x tan(观测天顶角)）。为空，或表中没有默认的“ground”：使用位于模型最低点的水平面。</translation>
    </message>
    <message>
      <source>The trace's polynomials are estimated from a few pixels before tracing; with TILE_SIZE 0 a run that would need more memory than this is traced in tiles that fit (see TILE_SIZE), and one that would not fit even so is refused with the estimate. 0: half of the machine's memory.</source>
      <translation>追踪的多项式在追踪前由少数像素估计；TILE_SIZE 为 0 时，所需内存超过此限制的运行将按能容纳的分块追踪（见 TILE_SIZE），即便如此仍无法容纳的运行将被拒绝并给出估计值。0：机器内存的一半。</translation>
    </message>
    <message>
      <source>Where tiles run (TILE_SIZE &gt; 0, or tiles chosen by TILE_SIZE 0): empty for threads in this process, 'processes' for a local process pool, or a dask.distributed scheduler address such as tcp://host:8786 (its workers need this plugin importable as unmix3d).</source>
      <translation>瓦片的运行位置（TILE_SIZE &gt; 0，或由 TILE_SIZE 0 自动选择瓦片时）：留空表示在本进程中用线程，“processes”表示本地进程池，或 dask.distributed 调度器地址，如 tcp://host:8786（其工作进程需能以 unmix3d 名称导入本插件）。</translation>
    </message>
    <message>
      <source>Tile by tile, the pixel grid is registered on a plane at the mock-up's lowest point: TERRAIN is not applied.</source>
      <translation>逐块运行时，像元网格配准到模型最低点处的平面上：不应用 TERRAIN。</translation>
    </message>
    <message>
      <source>Whose spectral response functions 6S integrates (S2C: a flat response over the sensor table's band centre and width); METADATA, where given, names it.</source>
      <translation>6S 积分其光谱响应函数的卫星（S2C：按传感器表中的波段中心和宽度取平坦响应）；若给出 METADATA，则由其指定。</translation>
    </message>
    <message>
      <source>6S's predefined aerosol model.</source>
      <translation>6S 预定义的气溶胶模型。</translation>
    </message>
    <message>
      <source>Aerosol optical thickness at 550 nm, 0 to 3 (the AOT layer of Sentinel-2 L2A holds it x 1000).</source>
      <translation>550 nm 气溶胶光学厚度，0 至 3（Sentinel-2 L2A 的 AOT 图层存储其 1000 倍）。</translation>
    </message>
    <message>
      <source>Total column water vapour, 0 to 10 g/cm2 (the WVP layer of L2A / 1000).</source>
      <translation>整层水汽总量，0 至 10 g/cm2（L2A 的 WVP 图层 / 1000）。</translation>
    </message>
    <message>
      <source>Total column ozone, 0 to 1 cm-atm.</source>
      <translation>整层臭氧总量，0 至 1 cm-atm。</translation>
    </message>
    <message>
      <source>Target altitude above sea level, 0 to 8 km.</source>
      <translation>目标海拔高度，0 至 8 km。</translation>
    </message>
    <message>
      <source>Sets the Earth-Sun distance; empty: from METADATA where given, else 14 July.</source>
      <translation>决定日地距离；留空：若给出 METADATA 则取自其中，否则为 7 月 14 日。</translation>
    </message>
    <message>
      <source>Add the light scattered into the view by the atmosphere from the surroundings (6S's environment function over the image, the part beyond it on the image mean).</source>
      <translation>加入大气从周围环境散射进视线的光（6S 的环境函数作用于图像，超出图像的部分取图像均值）。</translation>
    </message>
    <message>
      <source>Optional MTD_TL.xml of the Sentinel-2 tile: its mean sun and view angles replace the angle parameters.</source>
      <translation>可选的 Sentinel-2 瓦片 MTD_TL.xml：其平均太阳角和观测角将替代角度参数。</translation>
    </message>
    <message>
      <source>The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's projected CRS, metres, z up. Tiled runs also take the path of a tiled mock-up folder (one OBJ per piece, as build_mockup writes a city), read per tile.</source>
      <translation>已分类的三维模型（OBJ 组、PLY、STL、glTF/GLB），位于影像的投影坐标系中，单位为米，z 轴向上。分块运行也接受分块模型文件夹的路径（每块一个 OBJ，如 build_mockup 为城市所写），逐块读取。</translation>
    </message>
    <message>
      <source>The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's projected CRS, metres, z up.</source>
      <translation>分类的三维场景模型（OBJ 分组、PLY、STL、glTF/GLB），位于影像的投影坐标参考系中，单位为米，z 轴向上。</translation>
    </message>
    <message>
      <source>Sun zenith angle (degrees)</source>
      <translation>太阳天顶角（度）</translation>
    </message>
    <message>
      <source>Sun azimuth angle (degrees)</source>
      <translation>太阳方位角（度）</translation>
    </message>
    <message>
      <source>View zenith angle (degrees)</source>
      <translation>观测天顶角（度）</translation>
    </message>
    <message>
      <source>View azimuth angle (degrees)</source>
      <translation>观测方位角（度）</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sun.</source>
      <translation>铅垂方向与太阳方向之间的夹角。</translation>
    </message>
    <message>
      <source>Direction of the sun, clockwise from north (as in Sentinel-2 metadata).</source>
      <translation>太阳方向，自北顺时针量算（与 Sentinel-2 元数据一致）。</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sensor.</source>
      <translation>铅垂方向与传感器方向之间的夹角。</translation>
    </message>
    <message>
      <source>Direction of the sensor, clockwise from north.</source>
      <translation>传感器方向，自北顺时针量算。</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sun. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>铅垂线与太阳方向之间的夹角。必填（unmix 和 retrieve：除非 METADATA 给出）。</translation>
    </message>
    <message>
      <source>Direction of the sun, clockwise from north (as in Sentinel-2 metadata). Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>太阳方向，自北顺时针计（与 Sentinel-2 元数据相同）。必填（unmix 和 retrieve：除非 METADATA 给出）。</translation>
    </message>
    <message>
      <source>Angle between the vertical and the direction of the sensor. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>铅垂线与传感器方向之间的夹角。必填（unmix 和 retrieve：除非 METADATA 给出）。</translation>
    </message>
    <message>
      <source>Direction of the sensor, clockwise from north. Required (unmix and retrieve: unless METADATA gives it).</source>
      <translation>传感器方向，自北顺时针计。必填（unmix 和 retrieve：除非 METADATA 给出）。</translation>
    </message>
    <message>
      <source>Surface reflectance image</source>
      <translation>地表反射率影像</translation>
    </message>
    <message>
      <source>Scale</source>
      <translation>缩放系数</translation>
    </message>
    <message>
      <source>Offset</source>
      <translation>偏移量</translation>
    </message>
    <message>
      <source>Skylight ratio SKYL</source>
      <translation>天空光比例 SKYL</translation>
    </message>
    <message>
      <source>Scene boundary</source>
      <translation>场景边界</translation>
    </message>
    <message>
      <source>Samples per pixel</source>
      <translation>每像元样本数</translation>
    </message>
    <message>
      <source>Terrain element(s)</source>
      <translation>地形元素</translation>
    </message>
    <message>
      <source>Pixel grid registered on a plane at the mock-up's lowest point (no TERRAIN element).</source>
      <translation>像元网格配准到模型最低点处的平面（无 TERRAIN 元素）。</translation>
    </message>
    <message>
      <source>Memory limit (MB)</source>
      <translation>内存上限（MB）</translation>
    </message>
    <message>
      <source>Dask scheduler</source>
      <translation>Dask 调度器</translation>
    </message>
    <message>
      <source>BANDS is empty: name the bands, e.g. B2,B3,B4,B8</source>
      <translation>BANDS 为空：请给出波段名称，例如 B2,B3,B4,B8</translation>
    </message>
    <message>
      <source>Reflectance level</source>
      <translation>反射率级别</translation>
    </message>
    <message>
      <source>Sentinel-2 unit (6S)</source>
      <translation>Sentinel-2 卫星（6S）</translation>
    </message>
    <message>
      <source>Aerosol model (6S)</source>
      <translation>气溶胶模型（6S）</translation>
    </message>
    <message>
      <source>Aerosol optical thickness at 550 nm</source>
      <translation>550 nm 气溶胶光学厚度</translation>
    </message>
    <message>
      <source>Water vapour (g/cm2)</source>
      <translation>水汽（g/cm2）</translation>
    </message>
    <message>
      <source>Ozone (cm-atm)</source>
      <translation>臭氧（cm-atm）</translation>
    </message>
    <message>
      <source>Ground altitude (km)</source>
      <translation>地面海拔（km）</translation>
    </message>
    <message>
      <source>Acquisition date (YYYY-MM-DD)</source>
      <translation>获取日期（YYYY-MM-DD）</translation>
    </message>
    <message>
      <source>Adjacency effect</source>
      <translation>邻近效应</translation>
    </message>
    <message>
      <source>No pixel keeps a surface reflectance in [0, 1] under this atmosphere: check AOT550 and AEROSOL_MODEL</source>
      <translation>在此大气下没有像元的地表反射率在 [0, 1] 内：请检查 AOT550 和 AEROSOL_MODEL</translation>
    </message>
    <message>
      <source>Sentinel-2 tile metadata</source>
      <translation>Sentinel-2 瓦片元数据</translation>
    </message>
    <message>
      <source>3D mock-up</source>
      <translation>三维场景模型</translation>
    </message>
    <message>
      <source>Pixel grid registered on the terrain ({0}): {1:.1f} to {2:.1f} m</source>
      <translation>像元网格配准到地形（{0}）：{1:.1f} 至 {2:.1f} 米</translation>
    </message>
    <message>
      <source>Polynomials: {0:,.1f} MB ({1:,.1f} MB estimated before tracing, peak about {2:,.1f} MB while building)</source>
      <translation>多项式：{0:,.1f} MB（追踪前估计 {1:,.1f} MB，构建时峰值约 {2:,.1f} MB）</translation>
    </message>
    <message>
      <source>{0:,} paths traced: {1:,} lost in turbid media, {2:,} dropped (too many stretches in media), {3:,} with a medium boundary crossing clamped</source>
      <translation>已追踪 {0:,} 条路径：{1:,} 条在浑浊介质中丢失，{2:,} 条被舍弃（介质中的分段过多），{3:,} 条的介质边界穿越被截断</translation>
    </message>
    <message>
      <source>Mock-up folder {0}: {1} pieces ({2}), read per tile</source>
      <translation>模型文件夹 {0}：{1} 块（{2}），逐块读取</translation>
    </message>
    <message>
      <source>6S atmosphere ({0}): {1}</source>
      <translation>6S 大气（{0}）：{1}</translation>
    </message>
    <message>
      <source>INPUT_LEVEL is TOA: SKYL is the 6S sky share {0}</source>
      <translation>INPUT_LEVEL 为 TOA：SKYL 取 6S 的天空比例 {0}</translation>
    </message>
    <message>
      <source>Angles used: {0}</source>
      <translation>所用角度：{0}</translation>
    </message>
    <message>
      <source>writing {0}</source>
      <translation>正在写入 {0}</translation>
    </message>
    <message>
      <source>TILE_SIZE 0 (automatic): the trace would peak at about {0:,.0f} MB untiled, above the memory limit of {1:,.0f} MB: traced in tiles of {2} pixels (about {3:,.0f} MB each)</source>
      <translation>TILE_SIZE 0（自动）：不分瓦片时追踪峰值约为 {0:,.0f} MB，超过内存上限 {1:,.0f} MB：按 {2} 像元的瓦片追踪（每个约 {3:,.0f} MB）</translation>
    </message>
    <message>
      <source>TILE_SIZE 0 (automatic): the trace runs untiled, about {0:,.1f} MB of the memory limit of {1:,.0f} MB</source>
      <translation>TILE_SIZE 0（自动）：不分瓦片追踪，约 {0:,.1f} MB，内存上限为 {1:,.0f} MB</translation>
    </message>
    <message>
      <source>{0:.3g} % of the paths went wrong in turbid media: the image is biased there. Check that turbid volumes are closed and do not touch the sides of the mock-up's box.</source>
      <translation>{0:.3g} % 的路径在浑浊介质中出错：该处影像有偏差。请检查浑浊体是否封闭，且不接触模型包围盒的侧面。</translation>
    </message>
    <message>
      <source>{0} has {1} values but there are {2} bands</source>
      <translation>{0} 有 {1} 个值，但共有 {2} 个波段</translation>
    </message>
    <message>
      <source>{0} values must lie in [{1}, {2}]</source>
      <translation>{0} 的值必须位于 [{1}, {2}] 内</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a folder: a tiled mock-up folder (one OBJ per piece) is read per tile by unmix3d:simulate with TILE_SIZE &gt; 0 and unmix3d:unmix with TILE_SIZE &gt; 0 and UNMIX_BY_TILES; give an OBJ, PLY, STL or glTF file otherwise</source>
      <translation>MOCKUP {0} 是一个文件夹：分块模型文件夹（每块一个 OBJ）由 TILE_SIZE &gt; 0 的 unmix3d:simulate 以及 TILE_SIZE &gt; 0 且启用 UNMIX_BY_TILES 的 unmix3d:unmix 逐块读取；否则请给出 OBJ、PLY、STL 或 glTF 文件</translation>
    </message>
    <message>
      <source>Mock-up: {0} triangles in {1} parts</source>
      <translation>模型：{0} 个三角形，{1} 个部件</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a tiled mock-up folder, which is read where its pieces lie: {1} cannot shift it; move the pieces or the image instead</source>
      <translation>MOCKUP {0} 是分块模型文件夹，按其各块所在位置读取：{1} 无法平移它；请改为移动各块或影像</translation>
    </message>
    <message>
      <source>{0} pixels have a surface-equivalent reflectance outside [0, 1] under this atmosphere (too much path reflectance?): set aside as NoData</source>
      <translation>{0} 个像元在此大气下的等效地表反射率超出 [0, 1]（程辐射反射率过大？）：设为 NoData</translation>
    </message>
    <message>
      <source>{0} has no CRS; the mock-up and the image must share a projected CRS in metres (assign the image's CRS, e.g. with GDAL's Assign projection)</source>
      <translation>{0} 没有坐标参考系；模型与影像必须使用同一个以米为单位的投影坐标系（为影像指定坐标系，例如使用 GDAL 的“指定投影”）</translation>
    </message>
    <message>
      <source>{0} is in a geographic CRS; the mock-up and the image must share a projected CRS in metres (reproject the image)</source>
      <translation>{0} 使用地理坐标系；模型与影像必须使用同一个以米为单位的投影坐标系（请重投影影像）</translation>
    </message>
    <message>
      <source>{0} has no pixel valid in every band</source>
      <translation>{0} 没有在所有波段均有效的像元</translation>
    </message>
    <message>
      <source>{0} has band(s) {1} but the element table {2} has no column for them (its band columns: {3}); add the column(s) or drop the band(s) from the image</source>
      <translation>{0} 含有波段 {1}，但元素表 {2} 没有对应的列（其波段列：{3}）；请添加这些列或从影像中删除这些波段</translation>
    </message>
    <message>
      <source>Give {0} (degrees) or a Sentinel-2 tile METADATA file: the angles change the image, and no default fits every acquisition</source>
      <translation>请给出 {0}（度）或 Sentinel-2 瓦片 METADATA 文件：角度会改变影像，没有适用于所有采集的默认值</translation>
    </message>
    <message>
      <source>Terminated (SIGTERM): nothing was written.</source>
      <translation>已终止（SIGTERM）：未写入任何内容。</translation>
    </message>
    <message>
      <source>{0} must be numbers separated by commas, got '{1}'</source>
      <translation>{0} 必须是以逗号分隔的数字，得到“{1}”</translation>
    </message>
    <message>
      <source>DATE '{0}' must look like 2024-06-15</source>
      <translation>DATE '{0}' 的格式应为 2024-06-15</translation>
    </message>
    <message>
      <source>Compare two images band by band</source>
      <translation>逐波段比较两幅影像</translation>
    </message>
    <message>
      <source>Image tools</source>
      <translation>影像工具</translation>
    </message>
    <message>
      <source>Compares two surface-reflectance images band pair by band pair, as in the Sentinel-2 / PlanetScope validation of US-DART: absolute mean difference (AMD), mean and median residual (B - A), both medians, five perceptual-hash similarities and their sum, residual maps and an HTML report. Image A is reprojected into image B's CRS with GDAL (nearest neighbour) and the coarser image is put onto the finer image's grid by pixel duplication (nearest neighbour), over the area both cover. Pixels that are NoData in any compared band of either image are left out of every statistic, map and plot. Bands are paired by overlapping spectral response, in order when a side has no sensor, or by hand. In 'simulated vs satellite' mode A is the satellite image and B the simulation, and the relative error |B - A| / A is summarised per element class from the simulation's fractions.</source>
      <translation>逐个波段对比较两幅地表反射率影像，与 US-DART 的 Sentinel-2 / PlanetScope 验证相同：平均绝对差（AMD）、平均残差和中位数残差（B - A）、两幅影像各自的中位数、五种感知哈希相似度及其总和、残差图和 HTML 报告。影像 A 用 GDAL（最近邻）重投影到影像 B 的坐标参考系，较粗的影像通过像元复制（最近邻）放到较细影像的网格上，范围为两者共同覆盖的区域。在任一影像的任一参与比较的波段中为 NoData 的像元，不参与任何统计、地图和图表。波段按光谱响应的重叠进行配对；若一方没有传感器则按顺序配对；也可手动配对。在“模拟 vs 卫星”模式下，A 为卫星影像，B 为模拟影像，相对误差 |B - A| / A 根据模拟的元素比例按元素类别汇总。</translation>
    </message>
    <message>
      <source>The reference image (in 'simulated vs satellite' mode: the satellite image). Any CRS and resolution; it is reprojected into image B's CRS.</source>
      <translation>参考影像（在“模拟 vs 卫星”模式下：卫星影像）。坐标参考系和分辨率不限；它会被重投影到影像 B 的坐标参考系。</translation>
    </message>
    <message>
      <source>The image compared with A (in 'simulated vs satellite' mode: the simulated image). Its CRS is the CRS of every output.</source>
      <translation>与 A 进行比较的影像（在“模拟 vs 卫星”模式下：模拟影像）。其坐标参考系即所有输出的坐标参考系。</translation>
    </message>
    <message>
      <source>Pairs written as A:B separated by commas, e.g. 'B2:2,B3:4' (band names or numbers of each sensor, or positions without a sensor). Empty: bands whose spectral responses overlap are paired automatically (B8A, not B8, with NIR).</source>
      <translation>以 A:B 形式书写、以逗号分隔的波段对，例如 'B2:2,B3:4'（各传感器的波段名称或编号，无传感器时为位置序号）。为空：自动配对光谱响应重叠的波段（NIR 与 B8A 而非 B8 配对）。</translation>
    </message>
    <message>
      <source>'Two images': metrics, residuals and report. 'Simulated vs satellite': also the relative error |B - A| / A per band (RELATIVE_ERRORS) and its mean, median and IQR over all pixels and per element class (FRACTIONS) in TABLE and the report.</source>
      <translation>“两幅影像”：指标、残差和报告。“模拟 vs 卫星”：另外给出每个波段的相对误差 |B - A| / A（RELATIVE_ERRORS），以及其在所有像元上和按元素类别（FRACTIONS）统计的均值、中位数和四分位距（IQR），写入 TABLE 和报告。</translation>
    </message>
    <message>
      <source>Simulated vs satellite only: one band per element (band descriptions = element names), each pixel's fraction of that element, as written by unmix3d:simulate. Brought onto the comparison grid (nearest neighbour, or average when finer).</source>
      <translation>仅用于“模拟 vs 卫星”模式：每个元素一个波段（波段描述 = 元素名称），为各像元中该元素的比例，由 unmix3d:simulate 写出。会被放到比较网格上（最近邻；若更细则取平均）。</translation>
    </message>
    <message>
      <source>A pixel belongs to an element class when that element's fraction is at least this (0.5: dominant element; 0.9: nearly pure pixels).</source>
      <translation>当某元素的比例不低于此值时，像元归属于该元素类别（0.5：主导元素；0.9：近乎纯像元）。</translation>
    </message>
    <message>
      <source>How the report draws each band's reflectance distributions (values above 1, specular reflection, are left out of the plots and counted).</source>
      <translation>报告中绘制各波段反射率分布的方式（大于 1 的值，即镜面反射，不绘入图中但会被计数）。</translation>
    </message>
    <message>
      <source>CSV, one row per band pair: band_pair, band_a, band_b, n_valid, amd, mean_residual, median_residual (B - A), median_a, median_b, five hash_* similarities and hash_sum. In 'simulated vs satellite' mode also an element column (rows 'all' and one per element class) and rel_error_mean, rel_error_median, rel_error_iqr (fractions, not percent). Loaded as a table.</source>
      <translation>CSV，每个波段对一行：band_pair、band_a、band_b、n_valid、amd、mean_residual、median_residual（B - A）、median_a、median_b、五个 hash_* 相似度和 hash_sum。在“模拟 vs 卫星”模式下还有 element 列（'all' 行及每个元素类别一行）以及 rel_error_mean、rel_error_median、rel_error_iqr（比例，而非百分比）。作为表加载。</translation>
    </message>
    <message>
      <source>One band per band pair (band description = the pair's label, e.g. B8A-NIR) on the comparison grid in image B's CRS, NoData where left out.</source>
      <translation>每个波段对一个波段（波段描述 = 波段对的标签，例如 B8A-NIR），位于影像 B 坐标参考系下的比较网格上，被排除处为 NoData。</translation>
    </message>
    <message>
      <source>Simulated vs satellite only: one band per band pair, relative error as a fraction, NoData where A &lt;= 0 or left out.</source>
      <translation>仅用于“模拟 vs 卫星”模式：每个波段对一个波段，相对误差以比例表示，A &lt;= 0 或被排除处为 NoData。</translation>
    </message>
    <message>
      <source>A single self-contained HTML file: metrics table, hash and AMD charts, distributions, residual maps, true-colour composites and, in 'simulated vs satellite' mode, the per-element relative errors.</source>
      <translation>单个独立的 HTML 文件：指标表、哈希和 AMD 图表、分布图、残差图、真彩色合成图，以及“模拟 vs 卫星”模式下按元素的相对误差。</translation>
    </message>
    <message>
      <source>The sensor whose band definitions the image's bands follow. Bands are recognised by their names (B4, B04, red, ...) or, when unnamed, by the product's band order (12 bands = Sentinel-2 L2A without B10, 8 bands = SuperDove). 'Bands in order, no sensor' compares band 1 with band 1 and so on.</source>
      <translation>影像波段所遵循的波段定义所属的传感器。波段通过名称（B4、B04、red 等）识别；未命名时，按产品的波段顺序识别（12 个波段 = 不含 B10 的 Sentinel-2 L2A，8 个波段 = SuperDove）。“按顺序的波段，无传感器”将波段 1 与波段 1 比较，依此类推。</translation>
    </message>
    <message>
      <source>Reflectance = value x scale + offset. Sentinel-2 L2A: 0.0001 (offset -0.1 since processing baseline 04.00); PlanetScope surface reflectance: 0.0001; 1 for images already in reflectance.</source>
      <translation>反射率 = 值 x 缩放系数 + 偏移量。Sentinel-2 L2A：0.0001（自处理基线 04.00 起偏移量为 -0.1）；PlanetScope 地表反射率：0.0001；已为反射率的影像：1。</translation>
    </message>
    <message>
      <source>Added after scaling: reflectance = value x scale + offset (Sentinel-2 L2A since baseline 04.00: -0.1).</source>
      <translation>缩放后加上的值：反射率 = 值 x 缩放系数 + 偏移量（Sentinel-2 L2A 自基线 04.00 起：-0.1）。</translation>
    </message>
    <message>
      <source>Comparison metrics</source>
      <translation>比较指标</translation>
    </message>
    <message>
      <source>Bands in order, no sensor</source>
      <translation>按顺序的波段，无传感器</translation>
    </message>
    <message>
      <source>Image A (reference)</source>
      <translation>影像 A（参考）</translation>
    </message>
    <message>
      <source>Image B</source>
      <translation>影像 B</translation>
    </message>
    <message>
      <source>Sensor of image A</source>
      <translation>影像 A 的传感器</translation>
    </message>
    <message>
      <source>Sensor of image B</source>
      <translation>影像 B 的传感器</translation>
    </message>
    <message>
      <source>Band pairs (optional)</source>
      <translation>波段对（可选）</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>模式</translation>
    </message>
    <message>
      <source>Element fractions (optional)</source>
      <translation>元素比例（可选）</translation>
    </message>
    <message>
      <source>Dominance threshold</source>
      <translation>主导阈值</translation>
    </message>
    <message>
      <source>Distribution plots</source>
      <translation>分布图</translation>
    </message>
    <message>
      <source>Metrics table</source>
      <translation>指标表</translation>
    </message>
    <message>
      <source>CSV files (*.csv)</source>
      <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
      <source>Residuals (B - A)</source>
      <translation>残差 (B - A)</translation>
    </message>
    <message>
      <source>Relative errors |B - A| / A</source>
      <translation>相对误差 |B - A| / A</translation>
    </message>
    <message>
      <source>HTML report</source>
      <translation>HTML 报告</translation>
    </message>
    <message>
      <source>HTML files (*.html)</source>
      <translation>HTML 文件 (*.html)</translation>
    </message>
    <message>
      <source>IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into IMAGE_B's CRS).</source>
      <translation>IMAGE_A 与 IMAGE_B 不重叠（将 IMAGE_A 重投影到 IMAGE_B 的坐标参考系之后）。</translation>
    </message>
    <message>
      <source>Cancelled: no output was written.</source>
      <translation>已取消：未写入任何输出。</translation>
    </message>
    <message>
      <source>No band pair to compare; give BAND_PAIRS, e.g. 'B2:2'.</source>
      <translation>没有可比较的波段对；请给出 BAND_PAIRS，例如 'B2:2'。</translation>
    </message>
    <message>
      <source>IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into IMAGE_B's CRS): no pixel holds data in both images.</source>
      <translation>IMAGE_A 与 IMAGE_B 不重叠（将 IMAGE_A 重投影到 IMAGE_B 的坐标参考系之后）：没有像元在两幅影像中都有数据。</translation>
    </message>
    <message>
      <source>No pixel is valid in every compared band of both images (their NoData areas cover the whole overlap).</source>
      <translation>没有像元在两幅影像的所有参与比较的波段中都有效（它们的 NoData 区域覆盖了整个重叠区）。</translation>
    </message>
    <message>
      <source>Two images</source>
      <translation>两幅影像</translation>
    </message>
    <message>
      <source>Simulated vs satellite</source>
      <translation>模拟 vs 卫星</translation>
    </message>
    <message>
      <source>Box plots</source>
      <translation>箱线图</translation>
    </message>
    <message>
      <source>Violin plots</source>
      <translation>小提琴图</translation>
    </message>
    <message>
      <source>Comparison grid: {0} x {1} pixels of {2:g} x {3:g} CRS units (the grid of image {4}), in image B's CRS; {5} band pair(s): {6}.</source>
      <translation>比较网格：{0} x {1} 个像元，像元大小 {2:g} x {3:g} 坐标参考系单位（影像 {4} 的网格），位于影像 B 的坐标参考系中；{5} 个波段对：{6}。</translation>
    </message>
    <message>
      <source>FRACTIONS is used only in 'simulated vs satellite' mode.</source>
      <translation>FRACTIONS 仅在“模拟 vs 卫星”模式下使用。</translation>
    </message>
    <message>
      <source>{0} is not a raster layer QGIS can open.</source>
      <translation>{0} 不是 QGIS 可以打开的栅格图层。</translation>
    </message>
    <message>
      <source>SCALE_{0} must not be 0.</source>
      <translation>SCALE_{0} 不能为 0。</translation>
    </message>
    <message>
      <source>Scale of image {0}</source>
      <translation>影像 {0} 的缩放系数</translation>
    </message>
    <message>
      <source>Offset of image {0}</source>
      <translation>影像 {0} 的偏移量</translation>
    </message>
    <message>
      <source>Band {0} of {1} is all NoData where the images overlap.</source>
      <translation>{1} 的波段 {0} 在影像重叠处全部为 NoData。</translation>
    </message>
    <message>
      <source>Co-register simulated and satellite images</source>
      <translation>配准模拟影像与卫星影像</translation>
    </message>
    <message>
      <source>Estimates the global sub-pixel shift between a simulated image (MOVING) and the satellite image it simulates (REFERENCE) by phase correlation, writes the simulated image shifted onto the satellite image, and gives the offset to apply to the 3D mock-up. As in US-DART the satellite image is never resampled: the mock-up is moved by MOCKUP_OFFSET_X/Y (map units, east and north) and simulated again; unmix3d:unmix takes these two numbers. Shift convention: SHIFT_* is the shift to apply to MOVING so that it matches REFERENCE (positive X = right/east; positive Y in pixels = down, in map units = north). A pixel shift and its map offset are the same displacement, so MOCKUP_OFFSET_X/Y equal SHIFT_X_M/SHIFT_Y_M. When either band is too uniform to register (no texture), the algorithm stops with an error and writes nothing. When a shift is measured but the correlation peak is weak or few pixels are valid, every output is written, RELIABLE is false and REASON says why: check RELIABLE before using the offset in a model.</source>
      <translation>通过相位相关估计模拟影像（MOVING）与其所模拟的卫星影像（REFERENCE）之间的全局亚像元偏移，写出平移到卫星影像上的模拟影像，并给出应施加于三维场景模型的偏移量。与 US-DART 一样，卫星影像从不重采样：场景模型按 MOCKUP_OFFSET_X/Y（地图单位，向东和向北）移动后重新模拟；unmix3d:unmix 接受这两个数值。偏移约定：SHIFT_* 是应施加于 MOVING 以使其与 REFERENCE 匹配的偏移（X 为正 = 向右/向东；Y 为正时，以像元计 = 向下，以地图单位计 = 向北）。像元偏移与其地图偏移是同一位移，因此 MOCKUP_OFFSET_X/Y 等于 SHIFT_X_M/SHIFT_Y_M。若任一波段过于均一而无法配准（无纹理），算法将报错停止且不写入任何内容。若测得了偏移但相关峰较弱或有效像元较少，仍会写出所有输出，RELIABLE 为 false，REASON 说明原因：在模型中使用该偏移之前请检查 RELIABLE。</translation>
    </message>
    <message>
      <source>The satellite image; never modified or resampled. Its grid is the grid of every output.</source>
      <translation>卫星影像；从不修改或重采样。其网格即所有输出的网格。</translation>
    </message>
    <message>
      <source>Band of REFERENCE to register (the one with most texture, often NIR or red); band 1 when not set.</source>
      <translation>REFERENCE 中用于配准的波段（纹理最丰富的波段，通常为近红外或红波段）；未设置时为波段 1。</translation>
    </message>
    <message>
      <source>The simulated image, on the reference grid or resampled onto it here (average when finer, bilinear otherwise).</source>
      <translation>模拟影像，位于参考网格上，或在此重采样到参考网格（若更细则取平均，否则为双线性）。</translation>
    </message>
    <message>
      <source>Band of MOVING that simulates the reference band; band 1 when not set.</source>
      <translation>MOVING 中模拟参考波段的波段；未设置时为波段 1。</translation>
    </message>
    <message>
      <source>Also measure local misregistration (relief displacement, mock-up errors) with TV-L1 optical flow after the global shift and write it to FLOW.</source>
      <translation>在全局偏移之后，还用 TV-L1 光流测量局部配准误差（地形位移、场景模型误差），并写入 FLOW。</translation>
    </message>
    <message>
      <source>Every band of MOVING shifted by the global shift (cubic spline), on the reference grid; NoData where the shift brings in pixels from outside or from NoData.</source>
      <translation>MOVING 的所有波段按全局偏移平移（三次样条），位于参考网格上；偏移引入外部或 NoData 像元处为 NoData。</translation>
    </message>
    <message>
      <source>With DENSE: two bands, dy (pixels, down) and dx (pixels, right), the per-pixel shift to apply to MOVING (global shift plus local residual); a temporary file when not set.</source>
      <translation>启用 DENSE 时：两个波段，dy（像元，向下）和 dx（像元，向右），即应施加于 MOVING 的逐像元偏移（全局偏移加局部残差）；未设置时为临时文件。</translation>
    </message>
    <message>
      <source>True when the correlation peak is clear (peak-to-sidelobe ratio &gt;= 10) and at least 25 % of the pixels are valid in both images.</source>
      <translation>当相关峰清晰（峰值旁瓣比 &gt;= 10）且至少 25 % 的像元在两幅影像中均有效时为真。</translation>
    </message>
    <message>
      <source>Empty when RELIABLE is true; otherwise the reason in words.</source>
      <translation>RELIABLE 为真时为空；否则以文字说明原因。</translation>
    </message>
    <message>
      <source>Reference (satellite image)</source>
      <translation>参考（卫星影像）</translation>
    </message>
    <message>
      <source>Reference band</source>
      <translation>参考波段</translation>
    </message>
    <message>
      <source>Moving (simulated image)</source>
      <translation>待配准影像（模拟影像）</translation>
    </message>
    <message>
      <source>Moving band</source>
      <translation>待配准波段</translation>
    </message>
    <message>
      <source>Also compute a dense flow field</source>
      <translation>同时计算稠密光流场</translation>
    </message>
    <message>
      <source>Shifted moving image</source>
      <translation>平移后的待配准影像</translation>
    </message>
    <message>
      <source>Dense flow field</source>
      <translation>稠密光流场</translation>
    </message>
    <message>
      <source>Shift X (pixels, right)</source>
      <translation>偏移 X（像元，向右）</translation>
    </message>
    <message>
      <source>Columns to move MOVING to the right to match REFERENCE.</source>
      <translation>MOVING 需向右移动以与 REFERENCE 匹配的列数。</translation>
    </message>
    <message>
      <source>Shift Y (pixels, down)</source>
      <translation>偏移 Y（像元，向下）</translation>
    </message>
    <message>
      <source>Rows to move MOVING down to match REFERENCE.</source>
      <translation>MOVING 需向下移动以与 REFERENCE 匹配的行数。</translation>
    </message>
    <message>
      <source>Shift X (map units, east)</source>
      <translation>偏移 X（地图单位，向东）</translation>
    </message>
    <message>
      <source>The same shift towards the east, in the reference's map units.</source>
      <translation>同一偏移向东的分量，以参考影像的地图单位表示。</translation>
    </message>
    <message>
      <source>Shift Y (map units, north)</source>
      <translation>偏移 Y（地图单位，向北）</translation>
    </message>
    <message>
      <source>The same shift towards the north, in the reference's map units.</source>
      <translation>同一偏移向北的分量，以参考影像的地图单位表示。</translation>
    </message>
    <message>
      <source>Mock-up offset X (map units, east)</source>
      <translation>场景模型偏移 X（地图单位，向东）</translation>
    </message>
    <message>
      <source>Add to the mock-up's X (east) coordinates, then simulate again; unmix3d:unmix takes it.</source>
      <translation>加到场景模型的 X（东）坐标上，然后重新模拟；unmix3d:unmix 接受此值。</translation>
    </message>
    <message>
      <source>Mock-up offset Y (map units, north)</source>
      <translation>场景模型偏移 Y（地图单位，向北）</translation>
    </message>
    <message>
      <source>Add to the mock-up's Y (north) coordinates, then simulate again; unmix3d:unmix takes it.</source>
      <translation>加到场景模型的 Y（北）坐标上，然后重新模拟；unmix3d:unmix 接受此值。</translation>
    </message>
    <message>
      <source>Shift is reliable</source>
      <translation>偏移可靠</translation>
    </message>
    <message>
      <source>Why the shift is not reliable</source>
      <translation>偏移不可靠的原因</translation>
    </message>
    <message>
      <source>reliable (peak-to-sidelobe ratio {0:.1f})</source>
      <translation>可靠（峰值旁瓣比 {0:.1f}）</translation>
    </message>
    <message>
      <source>NOT reliable: {0}</source>
      <translation>不可靠：{0}</translation>
    </message>
    <message>
      <source>Shift to apply to the simulated image: {0:+.2f} px right, {1:+.2f} px down ({2:+.2f} east, {3:+.2f} north in map units); {4}. The satellite image stays untouched: move the mock-up by MOCKUP_OFFSET_X = {2:+.3f} and MOCKUP_OFFSET_Y = {3:+.3f} map units and simulate again.</source>
      <translation>应施加于模拟影像的偏移：向右 {0:+.2f} px，向下 {1:+.2f} px（地图单位下向东 {2:+.2f}，向北 {3:+.2f}）；{4}。卫星影像保持不变：将场景模型移动 MOCKUP_OFFSET_X = {2:+.3f} 和 MOCKUP_OFFSET_Y = {3:+.3f} 地图单位，然后重新模拟。</translation>
    </message>
    <message>
      <source>The shift is not reliable: {0}</source>
      <translation>偏移不可靠：{0}</translation>
    </message>
    <message>
      <source>{0} is band {1}, but the image has {2} band(s).</source>
      <translation>{0} 为波段 {1}，但影像只有 {2} 个波段。</translation>
    </message>
    <message>
      <source>MOVING is not on the reference grid: resampled onto it ({0}).</source>
      <translation>MOVING 不在参考网格上：已重采样到参考网格（{0}）。</translation>
    </message>
    <message>
      <source>Degrade resolution (block mean)</source>
      <translation>降低分辨率（块平均）</translation>
    </message>
    <message>
      <source>Aggregates a raster to a coarser resolution by an integer factor: each output pixel is the mean of the valid input pixels in its FACTOR x FACTOR block, which is exact for reflectance factors. The output grid starts at the input's top-left corner. Blocks at the right and bottom edges that the input covers only partly are kept when enough of their footprint is valid (pixels beyond the edge count as missing). This is the method's spatial resolution degradation, used to soften co-registration error.</source>
      <translation>按整数因子将栅格聚合到更粗的分辨率：每个输出像元是其 FACTOR x FACTOR 块内有效输入像元的平均值，这对反射率因子是精确的。输出网格从输入的左上角开始。输入仅部分覆盖的右侧和底部边缘块，在其足迹中有效部分足够时予以保留（边缘以外的像元计为缺失）。这是该方法的空间分辨率降级，用于减轻配准误差。</translation>
    </message>
    <message>
      <source>The raster to aggregate (any number of bands; NoData and NaN are respected).</source>
      <translation>要聚合的栅格（任意波段数；遵循 NoData 和 NaN）。</translation>
    </message>
    <message>
      <source>Whole number of input pixels per output pixel along each axis (2 turns 10 m into 20 m).</source>
      <translation>每个轴向上每个输出像元包含的输入像元整数个数（2 将 10 m 变为 20 m）。</translation>
    </message>
    <message>
      <source>An output pixel is NoData when less than this fraction of its block holds valid input pixels.</source>
      <translation>当块内有效输入像元所占比例低于此值时，输出像元为 NoData。</translation>
    </message>
    <message>
      <source>The aggregated GeoTIFF, with the input's band names and CRS.</source>
      <translation>聚合后的 GeoTIFF，保留输入的波段名称和坐标参考系。</translation>
    </message>
    <message>
      <source>Input raster</source>
      <translation>输入栅格</translation>
    </message>
    <message>
      <source>Aggregation factor</source>
      <translation>聚合因子</translation>
    </message>
    <message>
      <source>Minimum valid share of a block</source>
      <translation>块的最小有效比例</translation>
    </message>
    <message>
      <source>Degraded raster</source>
      <translation>降级后的栅格</translation>
    </message>
    <message>
      <source>INPUT is not a raster layer QGIS can open.</source>
      <translation>INPUT 不是 QGIS 可以打开的栅格图层。</translation>
    </message>
    <message>
      <source>Build a demo scene</source>
      <translation>构建演示场景</translation>
    </message>
    <message>
      <source>Writes a built-in demo scene into a folder: the classified mock-up (OBJ), its element table with realistic Sentinel-2 spectra, the true OP map of every element, and an empty 12-band grid raster (10 m, UTM 31N) to simulate on. vegetation: maize plots at three growth stages beside bare soil, after the US-DART paper; urban: buildings with three roof materials, streets, trees and a river.</source>
      <translation>将内置演示场景写入文件夹：分类的场景模型（OBJ）、带有真实 Sentinel-2 光谱的元素表、每个元素的真实 OP 图，以及用于模拟的 12 波段空白网格栅格（10 m，UTM 31N）。vegetation：仿照 US-DART 论文，三个生长阶段的玉米地块与裸土相邻；urban：具有三种屋顶材料的建筑物、街道、树木和一条河流。</translation>
    </message>
    <message>
      <source>Which demo scene to build.</source>
      <translation>要构建的演示场景。</translation>
    </message>
    <message>
      <source>Seed of the scene's random layout (leaf positions, buildings, trees).</source>
      <translation>场景随机布局（叶片位置、建筑物、树木）的随机种子。</translation>
    </message>
    <message>
      <source>Folder receiving the mock-up, the element table, truth/&lt;element&gt;.tif and grid.tif.</source>
      <translation>存放场景模型、元素表、truth/&lt;element&gt;.tif 和 grid.tif 的文件夹。</translation>
    </message>
    <message>
      <source>Scene</source>
      <translation>场景</translation>
    </message>
    <message>
      <source>Scene folder</source>
      <translation>场景文件夹</translation>
    </message>
    <message>
      <source>True OP maps</source>
      <translation>真实 OP 图</translation>
    </message>
    <message>
      <source>Skylight ratio per band</source>
      <translation>各波段天空光比例</translation>
    </message>
    <message>
      <source>{0} scene: {1} triangles, {2} x {3} pixels of {4} m</source>
      <translation>{0} 场景：{1} 个三角形，{2} x {3} 个 {4} 米像元</translation>
    </message>
    <message>
      <source>Retrieve element spectra or leaf biochemistry (3D-Diff)</source>
      <translation>反演元素光谱或叶片生化参数（3D-Diff）</translation>
    </message>
    <message>
      <source>Optical properties</source>
      <translation>光学特性</translation>
    </message>
    <message>
      <source>3D-Diff-style retrieval: with the scene's 3D structure known, finds the spectra shared by the whole image (or by zones) of every free element — reflectance of opaque elements, reflectance AND transmittance of translucent ones (leaves), including elements the sensor never sees directly — or the PROSPECT-D parameters of leaf elements, by bounded quasi-Newton (L-BFGS-B) minimisation of the squared image error with exact gradients. Each image geometry is traced once; every optimisation step is an algebraic evaluation of that trace. Extra images of the same scene from other angles or dates separate r from t where one view cannot. Reports retrieved values with standard errors, 95 % intervals and a status per quantity (ok, weakly identified with what it trades off with, at bound, unidentifiable), the correlation between parameters (what the images cannot separate) and the loss history; leaf r/t can be constrained where the images cannot split it.</source>
      <translation>3D-Diff 式反演：已知场景三维结构，求每个自由要素在整幅影像（或各分区）共享的光谱——不透明要素的反射率、半透明要素（叶片）的反射率和透射率，包括传感器从未直接看到的要素——或叶片要素的 PROSPECT-D 参数，方法是以精确梯度对影像平方误差做有界拟牛顿（L-BFGS-B）最小化。每种影像几何只追踪一次；每个优化步都是对该追踪的代数求值。同一场景其他角度或日期的影像可在单一视角无法区分时分离 r 与 t。输出反演值及其标准误差、95% 区间和每个量的状态（ok、弱可辨识及与之权衡的量、位于边界、不可辨识）、参数间相关性（影像无法区分的部分）和损失历史；在影像无法区分时可约束叶片 r/t。</translation>
    </message>
    <message>
      <source>Comma-separated elements whose spectra are known (taken from the element table, which must give every band); every element not named here or in PROSPECT_ELEMENTS is free.</source>
      <translation>以逗号分隔的、光谱已知的元素（取自元素表，元素表须给出所有波段）；未在此处或 PROSPECT_ELEMENTS 中列出的元素均为自由元素。</translation>
    </message>
    <message>
      <source>Comma-separated translucent elements retrieved as PROSPECT-D leaves (biochemical parameters instead of free r and t spectra); needs Sentinel-2 band names.</source>
      <translation>以逗号分隔的半透明元素，作为 PROSPECT-D 叶片反演（生化参数，而非自由的 r 和 t 光谱）；需要 Sentinel-2 波段名称。</translation>
    </message>
    <message>
      <source>Which of N, Cab, Car, Ant, Cbrown, Cw, Cm are retrieved; the others keep their PROSPECT_START value.</source>
      <translation>反演 N、Cab、Car、Ant、Cbrown、Cw、Cm 中的哪些参数；其余参数保持其 PROSPECT_START 值。</translation>
    </message>
    <message>
      <source>Start (and fixed) values, e.g. 'N=1.5,Cab=40,Car=8,Ant=1,Cbrown=0,Cw=0.01,Cm=0.005' (these are the defaults); values outside PROSPECT's ranges are refused.</source>
      <translation>初始（及固定）值，例如 'N=1.5,Cab=40,Car=8,Ant=1,Cbrown=0,Cw=0.01,Cm=0.005'（即默认值）；超出 PROSPECT 取值范围的值将被拒绝。</translation>
    </message>
    <message>
      <source>Other images of the same scene (other view angles or dates), same bands as IMAGE, any grid; each is traced with its own geometry from GEOMETRIES_EXTRA.</source>
      <translation>同一场景的其他影像（其他观测角度或日期），波段与 IMAGE 相同，网格不限；每幅影像按 GEOMETRIES_EXTRA 中各自的几何进行追踪。</translation>
    </message>
    <message>
      <source>One 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra image, in their order, separated by ';' (degrees).</source>
      <translation>每个额外影像一组 'sun_zenith,sun_azimuth,view_zenith,view_azimuth'，按影像顺序，以 ';' 分隔（度）。</translation>
    </message>
    <message>
      <source>Optional: the skylight ratio of each extra image, in their order, separated by ';' (one value or one per band, comma-separated). Empty: every image uses SKYL, which is right for views of one date; another date has another sun and another sky.</source>
      <translation>可选：每个额外影像的天空光比例，按影像顺序，以 ';' 分隔（一个值或每个波段一个值，以逗号分隔）。留空：所有影像使用 SKYL，适用于同一日期的多角度观测；不同日期的太阳和天空不同。</translation>
    </message>
    <message>
      <source>Optional: each zone gets its own spectra. A raster of zone values (NoData: pixel not used) or polygons with a zone field (ZONE_FIELD). A pixel uses its zone's values for every element its light met. A zone without pixels is an error.</source>
      <translation>可选：每个分区拥有各自的光谱。分区值栅格（NoData：不使用该像元）或带有分区字段（ZONE_FIELD）的多边形。像元对其光线所遇到的每个元素都使用所在分区的值。没有像元的分区视为错误。</translation>
    </message>
    <message>
      <source>Field of the zone polygons holding the zone label.</source>
      <translation>分区多边形中保存分区标签的字段。</translation>
    </message>
    <message>
      <source>How to split leaf albedo into r and t where the images cannot (one view sees mostly reflected light): none (the images alone); table (r/t fixed per band at the element table's rt_ratio, only the albedo is retrieved); range (r/t bounded to RT_RANGE in every band); prospect (r/t bounded per band to the range PROSPECT-D leaves of plausible biochemistry span). Extra images from other angles or dates constrain it through the data. The report says which was used.</source>
      <translation>在影像无法区分时如何把叶片反照率分为 r 和 t（单一视角主要看到反射光）：none（仅用影像）；table（r/t 按波段固定为要素表的 rt_ratio，只反演反照率）；range（各波段 r/t 限定在 RT_RANGE 内）；prospect（r/t 按波段限定在生化参数合理的 PROSPECT-D 叶片所覆盖的范围内）。其他角度或日期的影像通过数据约束它。报告说明所用的约束。</translation>
    </message>
    <message>
      <source>Comma-separated free translucent elements RT_CONSTRAINT applies to; empty: every free translucent element.</source>
      <translation>RT_CONSTRAINT 适用的自由半透明要素，以逗号分隔；留空：所有自由半透明要素。</translation>
    </message>
    <message>
      <source>For RT_CONSTRAINT = range: 'low,high' bounds of r/t (reflectance over transmittance) in every band, e.g. 0.5,2.</source>
      <translation>当 RT_CONSTRAINT = range 时：各波段 r/t（反射率与透射率之比）的上下界 'low,high'，例如 0.5,2。</translation>
    </message>
    <message>
      <source>Optimisations run: from the start values, then from random points of the bounds (seeded). When they end in different optima the loss has several basins: the lowest is kept and the report lists them.</source>
      <translation>运行的优化次数：从初始值开始，然后从边界内的随机点开始（有种子）。若它们收敛到不同的最优点，说明损失有多个盆地：保留最低者，报告列出全部。</translation>
    </message>
    <message>
      <source>profile: profile likelihood (every other unknown re-optimised along each quantity; follows a loss that bends and stops at bounds); sandwich: estimate +- 1.96 standard errors (faster, for many unknowns).</source>
      <translation>profile：剖面似然（沿每个量重新优化所有其他未知量；可跟随弯曲的损失并止于边界）；sandwich：估计值 +- 1.96 倍标准误差（更快，适合未知量很多时）。</translation>
    </message>
    <message>
      <source>none: every pixel and band counts alike; stderr: weights 1 / (s.e.^2 + 0.001^2), with s.e. the trace's Monte Carlo standard error at the start values (noisy pixels count less).</source>
      <translation>none：所有像元和波段权重相同；stderr：权重为 1 / (s.e.^2 + 0.001^2)，其中 s.e. 为追踪在初始值处的蒙特卡洛标准误差（噪声大的像元权重较小）。</translation>
    </message>
    <message>
      <source>Weight of the penalty on differences between neighbouring bands of free spectra (0: none), in the loss's units (mean squared reflectance).</source>
      <translation>对自由光谱相邻波段之间差异的惩罚权重（0：无），单位与损失函数相同（反射率的均方）。</translation>
    </message>
    <message>
      <source>Largest number of L-BFGS-B iterations.</source>
      <translation>L-BFGS-B 的最大迭代次数。</translation>
    </message>
    <message>
      <source>Adaptive sampling: the 95 % half-width (reflectance units) aimed at for the reflectance of every free opaque element and the albedo r + t of every free leaf. SAMPLES are traced first; while a standard error is above PRECISION / 1.96, more samples are traced (new seeds, pooled with the first) and the retrieval repeated, as many as the fall of the standard error says are needed, within TIME_BUDGET. It stops early where the image's own noise, not the trace, limits the precision. 0: trace SAMPLES once. The log and report say which standard error was reached.</source>
      <translation>自适应采样：对每个自由不透明元素的反射率和每个自由叶片的反照率 r + t 所追求的 95 % 半宽（反射率单位）。先追踪 SAMPLES 个样本；只要某个标准误差高于 PRECISION / 1.96，就追踪更多样本（新的随机种子，与先前的合并）并重新反演，追加的数量由标准误差的下降推算，且不超过 TIME_BUDGET。若限制精度的是图像自身的噪声而非追踪，则提前停止。0：只追踪一次 SAMPLES。日志和报告会给出达到的标准误差。</translation>
    </message>
    <message>
      <source>Seconds of tracing and retrieval adaptive sampling may spend in all: no round of more samples is started that would end after it.</source>
      <translation>自适应采样总共可用于追踪和反演的秒数：不会启动任何会在此之后结束的追加采样轮次。</translation>
    </message>
    <message>
      <source>0 (default): automatic, trace by trace. Each image and each round of adaptive sampling is traced whole unless its memory estimate (a few pilot pixels, before tracing), with the traces already held, is above MAX_MEMORY; then in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise every trace runs in tiles of this many pixels square, each with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks; the tiles' traces are joined into one per image and pooled round by round as untiled ones, so the retrieval sees every image whole.</source>
      <translation>0（默认）：自动，逐次追踪判断。每幅图像和每一轮自适应采样都整体追踪，除非其内存估计（追踪前用少量试探像元估计）加上已保存的追踪结果超过 MAX_MEMORY；此时按能容纳的瓦片大小（16 像元的倍数，至少 32）追踪，并写入日志。否则每次追踪都按边长为该像元数的方形瓦片进行，每个瓦片只使用其周围“最高高度 x (tan(max(太阳天顶角, 观测天顶角)) + 1)”晕圈内的模型三角形，作为 Dask 任务运行；各瓦片的追踪结果按图像拼合为一个，并像不分瓦片时一样逐轮合并，因此反演看到的是每幅完整图像。</translation>
    </message>
    <message>
      <source>CSV, one row per value: element, zone, mode (free, fixed, prospect), quantity (r, t, albedo r + t or a PROSPECT parameter), band, value, std (standard error; empty where not estimable), low95 and high95 (95 % interval; one-sided at a bound), prior, status (ok, at bound, weakly identified, constrained, unidentifiable, derived, fixed), trades_with (the quantities a weak one is correlated with).</source>
      <translation>CSV，每个值一行：element、zone、mode（free、fixed、prospect）、quantity（r、t、反照率 r + t 或一个 PROSPECT 参数）、band、value、std（标准误差；无法估计时为空）、low95 和 high95（95% 区间；位于边界时为单侧）、prior、status（ok、位于边界、弱可辨识、受约束、不可辨识、导出、固定）、trades_with（弱可辨识量与之相关的量）。</translation>
    </message>
    <message>
      <source>IMAGE simulated with the retrieved values (NoData where unused).</source>
      <translation>用反演值模拟的 IMAGE（未使用处为 NoData）。</translation>
    </message>
    <message>
      <source>HTML report: loss history, retrieved versus prior spectra with uncertainty, 95 % intervals and status per quantity, the r/t constraint used, the starts, the loss over the worst-identified pair, correlation matrix, residual maps.</source>
      <translation>HTML 报告：损失历史、反演光谱与先验光谱及其不确定度、每个量的 95% 区间和状态、所用的 r/t 约束、各起点、最难辨识的一对量上的损失、相关矩阵、残差图。</translation>
    </message>
    <message>
      <source>CSV of the correlation between every pair of retrieved parameters.</source>
      <translation>每对反演参数之间相关性的 CSV。</translation>
    </message>
    <message>
      <source>Fixed elements</source>
      <translation>固定元素</translation>
    </message>
    <message>
      <source>PROSPECT leaf elements</source>
      <translation>PROSPECT 叶片元素</translation>
    </message>
    <message>
      <source>PROSPECT parameters retrieved</source>
      <translation>反演的 PROSPECT 参数</translation>
    </message>
    <message>
      <source>PROSPECT start values</source>
      <translation>PROSPECT 初始值</translation>
    </message>
    <message>
      <source>Extra images</source>
      <translation>额外影像</translation>
    </message>
    <message>
      <source>Geometries of extra images</source>
      <translation>额外影像的几何</translation>
    </message>
    <message>
      <source>Skylight ratios of extra images</source>
      <translation>额外影像的天空光比例</translation>
    </message>
    <message>
      <source>Zones (raster or polygons)</source>
      <translation>分区（栅格或多边形）</translation>
    </message>
    <message>
      <source>Zone field</source>
      <translation>分区字段</translation>
    </message>
    <message>
      <source>Leaf r/t constraint</source>
      <translation>叶片 r/t 约束</translation>
    </message>
    <message>
      <source>Leaves the r/t constraint applies to</source>
      <translation>r/t 约束适用的叶片</translation>
    </message>
    <message>
      <source>r/t range</source>
      <translation>r/t 范围</translation>
    </message>
    <message>
      <source>Starts</source>
      <translation>起点数</translation>
    </message>
    <message>
      <source>95 % intervals</source>
      <translation>95% 区间</translation>
    </message>
    <message>
      <source>Pixel weighting</source>
      <translation>像元加权</translation>
    </message>
    <message>
      <source>Spectral smoothness</source>
      <translation>光谱平滑</translation>
    </message>
    <message>
      <source>Maximum iterations</source>
      <translation>最大迭代次数</translation>
    </message>
    <message>
      <source>Precision aimed at</source>
      <translation>目标精度</translation>
    </message>
    <message>
      <source>Time budget (s)</source>
      <translation>时间预算（秒）</translation>
    </message>
    <message>
      <source>Tile size (pixels)</source>
      <translation>瓦片大小（像素）</translation>
    </message>
    <message>
      <source>Retrieved values</source>
      <translation>反演值</translation>
    </message>
    <message>
      <source>Simulated image</source>
      <translation>模拟影像</translation>
    </message>
    <message>
      <source>Report</source>
      <translation>报告</translation>
    </message>
    <message>
      <source>Correlation matrix</source>
      <translation>相关矩阵</translation>
    </message>
    <message>
      <source>Final image RMSE</source>
      <translation>最终影像 RMSE</translation>
    </message>
    <message>
      <source>Iterations</source>
      <translation>迭代次数</translation>
    </message>
    <message>
      <source>ZONES must be a raster or a polygon layer</source>
      <translation>ZONES 必须是栅格图层或多边形图层</translation>
    </message>
    <message>
      <source>ZONES has no polygon with a zone label</source>
      <translation>ZONES 中没有带分区标签的多边形</translation>
    </message>
    <message>
      <source>IMAGE is not a raster layer QGIS can open.</source>
      <translation>IMAGE 不是 QGIS 可以打开的栅格图层。</translation>
    </message>
    <message>
      <source>GEOMETRIES_EXTRA gives {0} geometries but IMAGES_EXTRA has {1} images: write one 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra image, separated by ';'</source>
      <translation>GEOMETRIES_EXTRA 给出 {0} 组几何参数，但 IMAGES_EXTRA 有 {1} 幅影像：请为每幅附加影像写一组 'sun_zenith,sun_azimuth,view_zenith,view_azimuth'，以 ';' 分隔</translation>
    </message>
    <message>
      <source>SKYL_EXTRA gives {0} entries but IMAGES_EXTRA has {1} images: write one value, or one per band, per extra image, separated by ';'</source>
      <translation>SKYL_EXTRA 给出 {0} 项，但 IMAGES_EXTRA 有 {1} 幅影像：请为每幅附加影像写一个值或每个波段一个值，以 ';' 分隔</translation>
    </message>
    <message>
      <source>Traced {0} geometries in {1:.1f} s; {2} iterations ({3} evaluations) in {4:.1f} s: {5}; image RMSE {6:.4g}</source>
      <translation>已追踪 {0} 组几何，用时 {1:.1f} 秒；{2} 次迭代（{3} 次求值），用时 {4:.1f} 秒：{5}；影像 RMSE {6:.4g}</translation>
    </message>
    <message>
      <source>GEOMETRIES_EXTRA entry '{0}' must be four numbers: sun zenith, sun azimuth, view zenith, view azimuth (degrees)</source>
      <translation>GEOMETRIES_EXTRA 中的“{0}”必须是四个数字：太阳天顶角、太阳方位角、观测天顶角、观测方位角（度）</translation>
    </message>
    <message>
      <source>RT_RANGE '{0}' must be two numbers 'low,high', e.g. 0.5,2</source>
      <translation>RT_RANGE '{0}' 必须是两个数 'low,high'，例如 0.5,2</translation>
    </message>
    <message>
      <source>ZONES is a polygon layer: ZONE_FIELD must name one of its fields (got '{0}')</source>
      <translation>ZONES 是多边形图层：ZONE_FIELD 必须指定其中一个字段（得到“{0}”）</translation>
    </message>
    <message>
      <source>Angles used for {0}: sun zenith {1:g}, sun azimuth {2:g}, view zenith {3:g}, view azimuth {4:g} (GEOMETRIES_EXTRA)</source>
      <translation>{0} 所用角度：太阳天顶角 {1:g}，太阳方位角 {2:g}，观测天顶角 {3:g}，观测方位角 {4:g}（GEOMETRIES_EXTRA）</translation>
    </message>
    <message>
      <source>IMAGES_EXTRA {0} has bands {1}; IMAGE has {2}: they must be the same</source>
      <translation>IMAGES_EXTRA {0} 的波段为 {1}；IMAGE 的波段为 {2}：二者必须相同</translation>
    </message>
    <message>
      <source>element '{0}' is both fixed and a PROSPECT leaf</source>
      <translation>元素“{0}”既被固定又是 PROSPECT 叶片</translation>
    </message>
    <message>
      <source>Simulate image (3D radiative transfer)</source>
      <translation>模拟影像（三维辐射传输）</translation>
    </message>
    <message>
      <source>Monte Carlo 3D radiative transfer over a classified mock-up: the surface reflectance image (bidirectional reflectance factor) an orthographic sensor sees for the element OPs of the element table or of OP maps, with each element's visible fraction per pixel, the standard error, and the gradients dR/dOP. The scene is traced once; bands and gradients are evaluated from that one trace.</source>
      <translation>基于分类场景模型的蒙特卡洛三维辐射传输：对于元素表或 OP 图给出的元素 OP，计算正射传感器所见的地表反射率影像（双向反射因子），以及每个像元中各元素的可见比例、标准误差和梯度 dR/dOP。场景只追踪一次；各波段和梯度均由这一次追踪求得。</translation>
    </message>
    <message>
      <source>Optional folder of per-element OP maps &lt;element&gt;.tif on the output grid (as written by unmix3d:unmix); NoData pixels take the element table's value.</source>
      <translation>可选的逐元素 OP 图文件夹，&lt;element&gt;.tif 位于输出网格上（由 unmix3d:unmix 写出）；NoData 像元取元素表中的值。</translation>
    </message>
    <message>
      <source>Raster whose grid, CRS and band names the simulated image takes. Without it, give EXTENT, PIXEL_SIZE, CRS and BANDS.</source>
      <translation>模拟影像采用其网格、坐标参考系和波段名称的栅格。若不提供，请给出 EXTENT、PIXEL_SIZE、CRS 和 BANDS。</translation>
    </message>
    <message>
      <source>Extent of the simulated image when no reference raster is given.</source>
      <translation>未提供参考栅格时模拟影像的范围。</translation>
    </message>
    <message>
      <source>Pixel size in metres when no reference raster is given.</source>
      <translation>未提供参考栅格时的像元大小，单位为米。</translation>
    </message>
    <message>
      <source>Projected CRS (metres) of the mock-up and the image when no reference raster is given.</source>
      <translation>未提供参考栅格时场景模型和影像的投影坐标参考系（单位为米）。</translation>
    </message>
    <message>
      <source>Comma-separated band names (columns of the element table) when no reference raster is given.</source>
      <translation>未提供参考栅格时，以逗号分隔的波段名称（元素表的列）。</translation>
    </message>
    <message>
      <source>0 (default): automatic. The whole grid is traced at once unless the trace's memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY; then, for runs the tiles can make (below), it runs in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise tiles of this many pixels square, each traced with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks, and written into the outputs as they finish; the same pixels draw the same random numbers as untiled. Tiled runs write the image, fractions and standard error from the element table's OPs (not OP maps or gradients).</source>
      <translation>0（默认）：自动。一次追踪整个网格，除非追踪的内存估计（追踪前用少量试探像元估计）超过 MAX_MEMORY；此时，对于瓦片能完成的运行（见下文），按能容纳的瓦片大小（16 像元的倍数，至少 32）追踪，并写入日志。否则按此像素数划分为正方形瓦片，每个瓦片只使用其周围光晕（最高物体高度 x (tan(max(太阳天顶角, 观测天顶角)) + 1)）内的模型三角形进行追踪，作为 Dask 任务运行，完成后即写入输出；每个像素抽取的随机数与不分瓦片时相同。分瓦片运行根据要素表的光学属性写出图像、组分比例和标准误差（不支持光学属性图和梯度）。</translation>
    </message>
    <message>
      <source>Bidirectional reflectance factor, one band per band, named.</source>
      <translation>双向反射因子，每个波段一个输出波段，带名称。</translation>
    </message>
    <message>
      <source>Visible fraction of each element in each pixel, one band per element, named.</source>
      <translation>每个像元中各元素的可见比例，每个元素一个波段，带名称。</translation>
    </message>
    <message>
      <source>Monte Carlo standard error of each pixel and band.</source>
      <translation>每个像元和波段的蒙特卡洛标准误差。</translation>
    </message>
    <message>
      <source>Folder for the gradients: &lt;element&gt;.tif holds dR/dOP per band (OP = reflectance or albedo); for translucent elements also &lt;element&gt;_r.tif and &lt;element&gt;_t.tif (dR/dr, dR/dt) when OPs come from the table.</source>
      <translation>梯度文件夹：&lt;element&gt;.tif 保存每个波段的 dR/dOP（OP = 反射率或反照率）；对于半透明元素，当 OP 来自元素表时，还有 &lt;element&gt;_r.tif 和 &lt;element&gt;_t.tif（dR/dr、dR/dt）。</translation>
    </message>
    <message>
      <source>OP maps folder</source>
      <translation>OP 图文件夹</translation>
    </message>
    <message>
      <source>Reference raster (grid)</source>
      <translation>参考栅格（网格）</translation>
    </message>
    <message>
      <source>Pixel size (m)</source>
      <translation>像元大小 (m)</translation>
    </message>
    <message>
      <source>CRS</source>
      <translation>坐标参考系</translation>
    </message>
    <message>
      <source>Bands</source>
      <translation>波段</translation>
    </message>
    <message>
      <source>Element fractions</source>
      <translation>元素比例</translation>
    </message>
    <message>
      <source>Standard error</source>
      <translation>标准误差</translation>
    </message>
    <message>
      <source>Gradients folder</source>
      <translation>梯度文件夹</translation>
    </message>
    <message>
      <source>Give either a REFERENCE raster or EXTENT, PIXEL_SIZE, CRS and BANDS.</source>
      <translation>请给出 REFERENCE 栅格，或给出 EXTENT、PIXEL_SIZE、CRS 和 BANDS。</translation>
    </message>
    <message>
      <source>Traced {0} pixels x {1} samples in {2:.1f} s</source>
      <translation>已追踪 {0} 个像元 x {1} 个样本，用时 {2:.1f} 秒</translation>
    </message>
    <message>
      <source>Traced {0} tiles of up to {1} pixels (halo {2:.1f} m, {3:,.0f} triangles per tile on average) in {4:.1f} s</source>
      <translation>已追踪 {0} 个瓦片，每个至多 {1} 像素（光晕 {2:.1f} m，平均每个瓦片 {3:,.0f} 个三角形），用时 {4:.1f} s</translation>
    </message>
    <message>
      <source>MOCKUP {0} is a tiled mock-up folder, read per tile: set TILE_SIZE in pixels (for example 50) and INPUT_LEVEL surface</source>
      <translation>MOCKUP {0} 是分块模型文件夹，逐块读取：请以像元为单位设置 TILE_SIZE（例如 50），并将 INPUT_LEVEL 设为 surface</translation>
    </message>
    <message>
      <source>TILE_SIZE {0}: tiled runs simulate the element table's OPs only; leave OP_MAPS and GRADIENTS empty or set TILE_SIZE to 0</source>
      <translation>TILE_SIZE {0}：分瓦片运行只模拟要素表的光学属性；请将 OP_MAPS 和 GRADIENTS 留空，或将 TILE_SIZE 设为 0</translation>
    </message>
    <message>
      <source>TILE_SIZE {0}: tiled runs write surface reflectance only; set INPUT_LEVEL to surface or TILE_SIZE to 0</source>
      <translation>TILE_SIZE {0}：分块运行只输出地表反射率；请将 INPUT_LEVEL 设为 surface，或将 TILE_SIZE 设为 0</translation>
    </message>
    <message>
      <source>Unmix optical properties (US-DART)</source>
      <translation>解混光学特性（US-DART）</translation>
    </message>
    <message>
      <source>Retrieves one optical-property (OP) map per scene element — Lambertian reflectance for opaque elements, albedo (r + t, split with the element table's r/t ratio) for translucent ones — from a surface-reflectance image and a classified 3D mock-up, with the US-DART method: pure pixel selection, windowed linear spectral mixture analysis, gradient iterations on a Monte Carlo 3D radiative-transfer model, and spectral-rule correction. The scene is traced once; every iteration re-uses that trace. METHOD dart-calibration runs the DART-calibration baseline (LSMA then per-pixel scaling) for comparison. Departures from the paper, each switchable back: model-based starts, damped window solves, one scene-wide OP for elements never half of a pixel, and one OP per mock-up part for elements made of several parts; CLOSURE optionally matches the image exactly at the end.</source>
      <translation>利用 US-DART 方法，从地表反射率影像和分类的三维场景模型中，为每个场景元素反演一幅光学特性 (OP) 图——不透明元素为朗伯反射率，半透明元素为反照率（r + t，按元素表中的 r/t 比例拆分）：纯像元选择、滑动窗口线性光谱混合分析、基于蒙特卡洛三维辐射传输模型的梯度迭代，以及光谱规则校正。场景只追踪一次；每次迭代都复用该追踪结果。METHOD dart-calibration 运行 DART-calibration 基准方法（先 LSMA，再逐像元缩放）以供比较。与论文的不同之处（均可切换回论文做法）：基于模型的初值、带阻尼的窗口求解，对从未占据半个像元的元素在整个场景中使用单一OP，以及对由多个部件组成的元素按场景模型的每个部件求一个OP；CLOSURE可选地在最后精确重现图像。</translation>
    </message>
    <message>
      <source>us-dart (PPS, LSMA, gradient iterations, SC) or dart-calibration (the baseline: LSMA then per-pixel Newton scaling of all OPs).</source>
      <translation>us-dart（PPS、LSMA、梯度迭代、SC）或 dart-calibration（基准方法：先 LSMA，再对所有 OP 进行逐像元牛顿缩放）。</translation>
    </message>
    <message>
      <source>Moving window whose pixels share each element's OP; it must hold at least as many pixels as there are elements.</source>
      <translation>滑动窗口，窗口内像元共享每个元素的 OP；其像元数必须不少于元素数。</translation>
    </message>
    <message>
      <source>Rectangle or inscribed ellipse.</source>
      <translation>矩形或内切椭圆。</translation>
    </message>
    <message>
      <source>Gradient iterations after LSMA (they stop earlier once the simulated image matches the image).</source>
      <translation>LSMA 之后的梯度迭代次数（一旦模拟影像与影像相符即提前停止）。</translation>
    </message>
    <message>
      <source>Erode pure-pixel zones by this many pixels, dropping boundary pixels hit by co-registration error.</source>
      <translation>将纯像元区域腐蚀此数量的像元，剔除受配准误差影响的边界像元。</translation>
    </message>
    <message>
      <source>Start every element at the reflectance of its pure pixels (sqrt of it for translucent elements), as in the US-DART paper. By default Unmix3D solves the traced model for each element's OP at its pure pixels, purest elements first, the others at their starts: a pure pixel at the 0.9 threshold still holds 10 % of other elements, walls seen from above are never more than a fifth of a pixel, and sqrt(R) is about 3 times a dense canopy's albedo at red, all outside the EPSILON bounds.</source>
      <translation>按 US-DART 论文的做法，以纯像元的反射率（半透明元素取其平方根）作为每个元素的初值。默认情况下，Unmix3D 在纯像元处对追踪模型求解每个元素的光学属性，纯度最高的元素优先，其他元素取其初值：阈值 0.9 的纯像元仍含 10% 的其他元素，从上方看到的墙面从不超过像元的五分之一，而在红光波段 sqrt(R) 约为茂密冠层反照率的 3 倍，这些都超出了 EPSILON 界限。</translation>
    </message>
    <message>
      <source>Levenberg-Marquardt damping: each OP is held to its current value by this times its diagonal normal-equation term. The converged solution is the same, but what a window cannot tell apart (every pixel the same mix, as inside a uniform plot) stays put instead of following the Monte Carlo noise. 0 is the paper's undamped solve.</source>
      <translation>Levenberg-Marquardt 阻尼：每个光学属性以该系数乘以其法方程对角项被约束在当前值附近。收敛解不变，但窗口无法区分的部分（所有像元混合比例相同，如均匀地块内部）保持不动，而不会跟随蒙特卡罗噪声。0 表示论文中不加阻尼的求解。</translation>
    </message>
    <message>
      <source>Each pixel's OPs are held to the solution of the nearest pure pixels of each element (re-solved at every iteration) with this weight, relative to the window's normal equations, fading over about 1.5 pixels from them. A class is rarely one material (several asphalts under one pavement, a material per roof): the window alone returns their local mean, while the nearest pure pixel is most often the same surface. 0 is the paper's window-only solve.</source>
      <translation>每个像元的光学属性以此权重（相对于窗口的法方程）约束到各要素最近纯像元的解（每次迭代重新求解），离开纯像元约 1.5 个像元后逐渐减弱。一个类别很少只有一种材料（一条路面下有多种沥青，每个屋顶一种材料）：仅用窗口只能得到它们的局部平均，而最近的纯像元多半是同一表面。0 为论文中仅用窗口的求解。</translation>
    </message>
    <message>
      <source>By default an element that is never at least half of any pixel (walls seen from above) gets one OP per band for the whole scene, solved jointly with the other elements' window OPs: a window sees it in a few pixels at a fifth of their area, and its solution there is mostly Monte Carlo noise. Check this to solve it per window, as in the US-DART paper.</source>
      <translation>默认情况下，从未占据任何像元一半以上的要素（俯视的墙面）在整个场景中每个波段只有一个OP，与其他要素的窗口OP联合求解：窗口只在少数像元中看到它，且仅占其面积的五分之一，其窗口解主要是蒙特卡罗噪声。勾选此项则按窗口求解，与US-DART论文相同。</translation>
    </message>
    <message>
      <source>After the iterations, scale every element's OP in a pixel and band by one factor until the simulated image equals the image (DART calibration's step, US-DART only; the spectral rules then keep the last word). The image error then vanishes, and what it held (Monte Carlo noise, mock-up error) goes into the OP maps: on the vegetation demo the median image error falls from 1.2 % to 0 and the vegetation OP error rises from 0.4 % to 1.1 %.</source>
      <translation>迭代之后，将每个像元、每个波段中所有要素的OP乘以同一因子，直到模拟图像等于图像（DART定标的步骤，仅限US-DART；之后由光谱规则做最终校正）。图像误差随之消失，其中包含的内容（蒙特卡罗噪声、模型误差）转入OP图：在植被演示中，图像误差中位数从1.2%降至0，植被OP误差从0.4%升至1.1%。</translation>
    </message>
    <message>
      <source>After the iterations, an element made of several parts of the mock-up (OBJ groups, glTF meshes: a lawn, a roof, a tree each its own group) gets one OP per part, solved from every pixel that sees the part, and its OP map holds the mean of its parts' OPs over its visible area in each pixel. Real element classes hold many materials (an asphalt per street, a material per roof), which a window cannot tell apart: on images rendered by Mitsuba 3 of Berlin and synthetic towns, the median pavement error fell from 0.6-2.1 % to 0.1-0.3 %. A part the sensor hardly sees (the ground under a crown, seen through its gaps) and whose pixels do not fix its OP is solved as one OP with the part of its element it touches most (the lawn it continues). An element of one part (a ground, a river) is solved as blocks of 10 x 10 pixels: if they look alike it takes their common OP, else it keeps its window solution. Uncheck it when a part mixes materials.</source>
      <translation>迭代之后，由场景模型的多个部件（OBJ 组、glTF 网格：一块草坪、一个屋顶、一棵树各为一组）组成的元素，每个部件得到一个OP，由所有看到该部件的像元共同求解；其OP图在每个像元中保存其各部件OP在可见面积上的平均值。真实的元素类别包含多种材料（每条街道一种沥青、每个屋顶一种材料），窗口无法区分它们：在 Mitsuba 3 渲染的柏林和合成城镇影像上，路面的中位误差从 0.6-2.1% 降至 0.1-0.3%。传感器几乎看不到、其像元无法确定其OP的部件（树冠下的地面，只能透过树冠空隙看到）与其所属元素中接触最多的部件（它所延续的草坪）合并求解为一个OP。只有一个部件的元素（地面、河流）按 10 x 10 像素的块求解：各块相近时取它们的共同 OP，否则保留其窗口解。当某个部件混合了多种材料时，请取消勾选。</translation>
    </message>
    <message>
      <source>Adaptive sampling: the Monte Carlo noise aimed at for the trace, as the median relative standard error of the image simulated at the element table's OPs in its noisiest band, in %. SAMPLES are traced first; while the noise is above this, more samples are traced (new seeds, pooled with the first) up to the total of SAMPLES x 2, 4, 8... that its fall as 1 / sqrt(samples) says is needed, within TIME_BUDGET and 16,384 samples per pixel. 0: trace SAMPLES once (reproducible whatever the machine's speed). Not applied with UNMIX_BY_TILES. The log and report say which noise was reached.</source>
      <translation>自适应采样：追踪的目标蒙特卡罗噪声，即以元素表光学属性模拟的图像在噪声最大波段中相对标准误差的中位数（%）。先追踪 SAMPLES 个样本；当噪声高于该值时，追踪更多样本（新的种子，与先前的样本合并），总数取 SAMPLES 的 2、4、8……倍中按噪声随 1 / sqrt(样本数) 下降所需的那个，不超过 TIME_BUDGET 和每像素 16,384 个样本。0：只追踪一次 SAMPLES（结果与机器速度无关，可复现）。UNMIX_BY_TILES 时不适用。日志和报告会说明达到的噪声。</translation>
    </message>
    <message>
      <source>Seconds of tracing adaptive sampling (TRACE_NOISE) may spend in all: no block of more samples is started that would end after it at the speed of the blocks before. Where the next doubling of the samples does not fit, blocks of half, a quarter... of it (down to SAMPLES) use what is left.</source>
      <translation>自适应采样（TRACE_NOISE）总共可用于追踪的秒数：按此前各块的速度估计，不会开始任何将在此之后结束的追加采样块。若下一次样本数翻倍放不下，则用其一半、四分之一……（最小为 SAMPLES）的块用完剩余时间。</translation>
    </message>
    <message>
      <source>0 (default): automatic. The whole grid is traced at once unless the trace's memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY and tiles leave room for the joined trace; then it runs in tiles sized to fit (a multiple of 16 pixels, at least 32), said in the log. Otherwise the trace runs in tiles of this many pixels square, each with only the mock-up triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks; the tiles' traces are then joined and unmixed as one image, so windows across tile edges and pure pixel selection see the whole image (no seams).</source>
      <translation>0（默认）：自动。一次追踪整个网格，除非追踪的内存估计（追踪前用少量试探像元估计）超过 MAX_MEMORY 且瓦片能为拼合后的追踪结果留出空间；此时按能容纳的瓦片大小（16 像元的倍数，至少 32）追踪，并写入日志。否则按边长为该像元数的方形瓦片追踪，每个瓦片只使用其周围“最高高度 x (tan(max(太阳天顶角, 观测天顶角)) + 1)”晕圈内的模型三角形，作为 Dask 任务运行；随后将各瓦片的追踪结果拼合，作为一幅图像进行解混，因此跨越瓦片边缘的窗口和纯像元选择都能看到整幅图像（无接缝）。</translation>
    </message>
    <message>
      <source>For cities (needs TILE_SIZE &gt; 0): each tile, grown by a pixel halo of half the window, is traced and unmixed on its own as a Dask task, and its OP maps are written as it finishes, so memory does not grow with the image: the image is checked strip by strip and read block by block, and MOCKUP may be a tiled mock-up folder (one OBJ per piece) read per tile. Pure pixels and the scene-wide OP of minor elements are then decided per tile and halo. Surface reflectance only; TRUTH, REPORT, ACCURACY, OBJECTS and TERRAIN need the whole image and are not available.</source>
      <translation>用于城市（需要 TILE_SIZE &gt; 0）：每个分块向外扩展半个窗口的像元缓冲区，作为一个 Dask 任务单独进行追踪和解混，完成后立即写出其光学特性图，因此内存不随影像增大：影像逐条带检查、逐块读取，MOCKUP 可以是逐块读取的分块模型文件夹（每块一个 OBJ）。纯像元和次要元素的全场景光学特性随后按分块及其缓冲区确定。仅支持地表反射率；TRUTH、REPORT、ACCURACY、OBJECTS 和 TERRAIN 需要整幅影像，不可用。</translation>
    </message>
    <message>
      <source>Optional folder of known OP maps &lt;element&gt;.tif (pseudo images): the report then gives OP errors and the accuracy table.</source>
      <translation>可选的已知 OP 图文件夹 &lt;element&gt;.tif（伪影像）：报告将给出 OP 误差和精度表。</translation>
    </message>
    <message>
      <source>Add the OP maps to the project in a layer group, styled as true-colour composites.</source>
      <translation>将 OP 图以图层组形式添加到项目中，并以真彩色合成方式显示。</translation>
    </message>
    <message>
      <source>One GeoTIFF &lt;element&gt;.tif per element, one band per image band, NoData where the element's fraction is below MIN_FRACTION.</source>
      <translation>每个元素一个 GeoTIFF &lt;element&gt;.tif，影像的每个波段对应一个波段，元素比例低于 MIN_FRACTION 处为 NoData。</translation>
    </message>
    <message>
      <source>The image simulated with the retrieved OP maps.</source>
      <translation>用反演的 OP 图模拟的影像。</translation>
    </message>
    <message>
      <source>HTML report: convergence per iteration, final errors, true-colour composites.</source>
      <translation>HTML 报告：每次迭代的收敛情况、最终误差、真彩色合成图。</translation>
    </message>
    <message>
      <source>CSV of image and OP errors per element (OP errors need TRUTH).</source>
      <translation>按元素统计的影像误差和 OP 误差的 CSV（OP 误差需要 TRUTH）。</translation>
    </message>
    <message>
      <source>Shift applied to the mock-up to co-register it with the image (see unmix3d:coregister).</source>
      <translation>施加于场景模型以使其与影像配准的偏移（参见 unmix3d:coregister）。</translation>
    </message>
    <message>
      <source>Method</source>
      <translation>方法</translation>
    </message>
    <message>
      <source>Window (rows x columns)</source>
      <translation>窗口（行 x 列）</translation>
    </message>
    <message>
      <source>Window shape</source>
      <translation>窗口形状</translation>
    </message>
    <message>
      <source>Erosion of pure zones (pixels)</source>
      <translation>纯像元区域腐蚀（像元）</translation>
    </message>
    <message>
      <source>Pure pixel start as published</source>
      <translation>按论文方法的纯像元初值</translation>
    </message>
    <message>
      <source>Damping of window solves</source>
      <translation>窗口求解的阻尼</translation>
    </message>
    <message>
      <source>Hold to the nearest pure pixels</source>
      <translation>约束到最近的纯像元</translation>
    </message>
    <message>
      <source>Solve minor elements per window</source>
      <translation>按窗口求解次要要素</translation>
    </message>
    <message>
      <source>Close the image exactly</source>
      <translation>精确闭合图像</translation>
    </message>
    <message>
      <source>One OP per mock-up part</source>
      <translation>场景模型每个部件一个OP</translation>
    </message>
    <message>
      <source>Trace noise aimed at (%)</source>
      <translation>目标追踪噪声 (%)</translation>
    </message>
    <message>
      <source>Time budget for tracing (s)</source>
      <translation>追踪时间预算（秒）</translation>
    </message>
    <message>
      <source>Unmix tile by tile</source>
      <translation>逐块解混</translation>
    </message>
    <message>
      <source>True OP maps (validation)</source>
      <translation>真实 OP 图（验证）</translation>
    </message>
    <message>
      <source>Load OP maps in the project</source>
      <translation>将 OP 图加载到项目中</translation>
    </message>
    <message>
      <source>Final simulated image</source>
      <translation>最终模拟影像</translation>
    </message>
    <message>
      <source>Accuracy table</source>
      <translation>精度表</translation>
    </message>
    <message>
      <source>CLOSURE applies to US-DART only: DART calibration already fits every pixel.</source>
      <translation>CLOSURE仅适用于US-DART：DART定标已逐像元拟合。</translation>
    </message>
    <message>
      <source>Monte Carlo noise reached at SAMPLES {0} (median relative standard error of the simulated image; four times the samples halve it): {1}. Median image residual: {2}.</source>
      <translation>SAMPLES {0} 时达到的蒙特卡罗噪声（模拟图像的相对标准误差中位数；样本数增加四倍可使其减半）：{1}。图像残差中位数：{2}。</translation>
    </message>
    <message>
      <source>WINDOW '{0}' must look like 5x5 (rows x columns)</source>
      <translation>WINDOW“{0}”必须形如 5x5（行 x 列）</translation>
    </message>
    <message>
      <source>Canceled: no OP map was written.</source>
      <translation>已取消：未写入任何 OP 图。</translation>
    </message>
    <message>
      <source>OP maps: {0} ({1})</source>
      <translation>OP 图：{0}（{1}）</translation>
    </message>
    <message>
      <source>OBJECTS is not applied to tiled runs (TILE_SIZE &gt; 0) yet: every element keeps its window solution.</source>
      <translation>OBJECTS 尚不适用于分块运行（TILE_SIZE &gt; 0）：每个元素保留其窗口解。</translation>
    </message>
    <message>
      <source>{0}: {1:.2f} s</source>
      <translation>{0}：{1:.2f} 秒</translation>
    </message>
    <message>
      <source>One OP per mock-up part for {0}: {1} parts, in parts.csv; the other elements keep their window solution.</source>
      <translation>对 {0} 按场景模型部件各求一个OP：共 {1} 个部件，见 parts.csv；其他元素保留其窗口解。</translation>
    </message>
    <message>
      <source>Element {0} is never seen enough to be retrieved: its visible fraction reaches at most {1:.3f} in a pixel, below MIN_FRACTION {2:g} (walls seen from nadir, parts hidden under others), so its OP map is all NoData.</source>
      <translation>元素 {0} 的可见程度始终不足以反演：其在像元中的可见比例最多为 {1:.3f}，低于 MIN_FRACTION {2:g}（天底视角下的墙面、被其他部件遮挡的部分），因此其光学属性图全部为 NoData。</translation>
    </message>
    <message>
      <source>OBJECTS is not applied to tiled runs yet, and TILE_SIZE 0 chose tiles of {0} pixels for this grid under MAX_MEMORY: every element keeps its window solution; raise MAX_MEMORY to keep OBJECTS.</source>
      <translation>OBJECTS 尚不适用于分块运行，而 TILE_SIZE 0 在 MAX_MEMORY 限制下为此网格选择了 {0} 像素的分块：每个元素保留其窗口解；提高 MAX_MEMORY 以保留 OBJECTS。</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES needs a TILE_SIZE in pixels (for example 50): the automatic rule of TILE_SIZE 0 sizes tiles of the trace only</source>
      <translation>UNMIX_BY_TILES 需要以像元为单位的 TILE_SIZE（例如 50）：TILE_SIZE 0 的自动规则只确定追踪的分块大小</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES writes no REPORT (it needs the whole image at once): the temporary report is left out.</source>
      <translation>UNMIX_BY_TILES 不写 REPORT（它需要一次读取整幅影像）：已省略临时报告。</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES unmixes surface reflectance only; set INPUT_LEVEL to surface (correct the image first) or unmix without UNMIX_BY_TILES</source>
      <translation>UNMIX_BY_TILES 仅解混地表反射率；请将 INPUT_LEVEL 设为 surface（先对影像进行校正），或不启用 UNMIX_BY_TILES 进行解混</translation>
    </message>
    <message>
      <source>Unmixed {0} tiles of up to {1} pixels tile by tile (pixel halo {2}, geometric halo {3:.1f} m) in {4:.1f} s</source>
      <translation>已逐块解混 {0} 个分块，每块最多 {1} 个像元（像元缓冲区 {2}，几何缓冲区 {3:.1f} 米），用时 {4:.1f} 秒</translation>
    </message>
    <message>
      <source>UNMIX_BY_TILES: {0} need(s) the whole image at once; leave them empty (REPORT included) or unmix without UNMIX_BY_TILES</source>
      <translation>UNMIX_BY_TILES：{0} 需要一次使用整幅影像；请将其留空（包括 REPORT），或不启用 UNMIX_BY_TILES 进行解混</translation>
    </message>
  </context>
</TS>
