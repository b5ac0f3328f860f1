"""Gazebo export: any building description becomes an SDF world, a robot model and the
``ros_gz_bridge`` configuration, so PEPA runs in Gazebo on the same interface as in the
simulated office. Plain Python: nothing here imports ROS or Gazebo."""
