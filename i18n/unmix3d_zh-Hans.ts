<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>Unmix3D</name>
    <message>
      <source>Degrade resolution (block mean)</source>
      <translation>降低分辨率（块平均）</translation>
    </message>
    <message>
      <source>Image tools</source>
      <translation>影像工具</translation>
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
  </context>
</TS>
