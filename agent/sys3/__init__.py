"""Sys3, the robot's self: ultimate goal, daily goals, intrinsic reward, daily reflection."""
