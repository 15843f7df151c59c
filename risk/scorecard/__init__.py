"""The credit scorecard: binning, training, validation and the runtime scorer.

Pure Python + numpy/pandas/scikit-learn; no Django import, so training and scoring can be tested
and benchmarked without a database. The registry (`risk.models.ScoreModel`) stores the artifact.
"""
