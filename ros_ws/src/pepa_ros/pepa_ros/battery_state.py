"""The ``sensor_msgs/BatteryState`` of PEPA's battery model, as the simulated office and the
Gazebo battery node publish it: the state of charge as ``percentage`` (0..1), charging or
discharging, and NaN for what the model does not know (voltage, current, temperature)."""

from __future__ import annotations

from typing import Any

from sensor_msgs.msg import BatteryState


def battery_state(
    soc: float, charging: bool, stamp: Any, frame_id: str, capacity_wh: float
) -> BatteryState:
    msg = BatteryState()
    msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.percentage = float(soc)
    msg.charge = msg.capacity = msg.design_capacity = float("nan")
    msg.voltage = msg.current = msg.temperature = float("nan")
    msg.power_supply_status = (
        BatteryState.POWER_SUPPLY_STATUS_CHARGING
        if charging
        else BatteryState.POWER_SUPPLY_STATUS_DISCHARGING
    )
    msg.power_supply_health = BatteryState.POWER_SUPPLY_HEALTH_GOOD
    msg.power_supply_technology = BatteryState.POWER_SUPPLY_TECHNOLOGY_LION
    msg.present = True
    msg.serial_number = f"sim-{capacity_wh:.0f}Wh"
    return msg
