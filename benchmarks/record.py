"The record every stored benchmark result carries: when, where and how it was made."
import datetime, sys
from coursecompanion.core import machine_info, machine_summary

def record(script:str, # The script's path, as it is run: "benchmarks/04_batch_size_seeds.py"
           cpu_s:float): # CPU seconds of every run stored so far
    "Date (UTC), machine, the command that rebuilds the results, and their CPU time."
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine_summary(), "machine_info": machine_info(),
            "command": f"python {script} " + " ".join(sys.argv[1:]), "cpu_s": round(cpu_s, 1)}
