"""announce"""
