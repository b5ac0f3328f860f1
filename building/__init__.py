"""The building map: the layout of floors, rooms, doors, elevators and stairs, its occupancy
grids, routing across floors and the ArUco markers. Both the simulator and Sys1 stand on it;
it knows nothing of either."""
