"""What happens after the cut: recovery and neuroma risk over time (``kinetics``), for one plan or many patients."""
