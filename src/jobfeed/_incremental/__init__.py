"""_incremental"""
