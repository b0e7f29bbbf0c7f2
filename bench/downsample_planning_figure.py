"""Target shards planned for one 1024³ source shard (layer 2048³) at mag 2 with 512³ target shards."""
import sys, warnings
warnings.simplefilter("ignore")
import numpy as np
import wkdist as wk
path = sys.argv[1]
ds = wk.Dataset(path, voxel_size=(1, 1, 1))
layer = ds.add_layer("c", "color", data_format="zarr3")
layer.bounding_box = wk.BoundingBox((0, 0, 0), (2048, 2048, 2048))
mag1 = layer.add_mag(1, chunk_shape=32, shard_shape=1024)
mag1.write(np.ones((1, 32, 32, 32), np.uint8), absolute_offset=(0, 0, 0), allow_unaligned=True)
mag2 = layer.add_mag(2, chunk_shape=32, shard_shape=512)
print("source shard files:", list(mag1._array.list_written_shards()))
try:
    from wkdist.jobs.downsample import plan_downsample_mag
    plan = plan_downsample_mag(mag1, mag2, "median")  # the old signature (MagViews)
except TypeError:
    from wkdist.dataset.resampling import downsample_plan
    plan = downsample_plan(mag1, mag2, "median")
print("target shards planned:", plan.num_shards)
