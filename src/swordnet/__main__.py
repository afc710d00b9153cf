from swordnet.cli import main

main()
