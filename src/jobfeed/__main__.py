from jobfeed.cli import main

main()
