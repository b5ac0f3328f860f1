"""What every host does between the three systems: one coordinator for in-process and ROS."""
